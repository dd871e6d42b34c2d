"""What a path allows: the `Allow` of a 405, HEAD answered like GET, OPTIONS answered at all."""

from starlette.datastructures import Headers
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send


def allowed_methods(app: ASGIApp, scope: Scope) -> list[str]:
    """Every method the request's path answers, over all the routes that match it."""
    methods: set[str] = set()
    for route in getattr(app, "routes", []):
        # Starlette stops at the first route whose path matches; a path may have several.
        if isinstance(route, Route) and route.matches(scope)[0] is not Match.NONE:
            methods |= route.methods or set()
    if "GET" in methods:
        methods.add("HEAD")
    if methods:
        methods.add("OPTIONS")
    return sorted(methods)


class MethodsMiddleware:
    """Answers OPTIONS with the path's methods, and HEAD as the GET it stands for."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Only HTTP scopes have a method; lifespan and websocket ones pass through untouched.
        method = scope.get("method")
        if method == "OPTIONS":
            allowed = allowed_methods(scope["app"], scope)
            if allowed:
                headers = Headers({"Allow": ", ".join(allowed)})
                await send({"type": "http.response.start", "status": 204, "headers": headers.raw})
                await send({"type": "http.response.body", "body": b""})
                return
        elif method == "HEAD" and "GET" in allowed_methods(scope["app"], scope):
            # The server keeps its own scope, HEAD, and so sends the headers but not the body.
            scope = {**scope, "method": "GET"}
        # Anything else, an unknown path (404) or HEAD where there is no GET (405) included, is
        # the router's to answer.
        await self.app(scope, receive, send)
