"""What a path allows: the `Allow` of a 405, HEAD answered like GET, OPTIONS answered at all."""

from starlette.datastructures import Headers
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send


def allowed_methods(app: ASGIApp, scope: Scope) -> list[str]:
    """Every method the request's path answers, over all the routes that match it."""
    methods: set[str] = set()
    for route in getattr(app, "routes", []):
        # Starlette stops at the first route whose path matches; a path may have several.
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                methods |= route.methods
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
        if scope["type"] != "http" or scope["method"] not in ("HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        allowed = allowed_methods(scope["app"], scope)
        if scope["method"] == "OPTIONS" and allowed:
            headers = Headers({"Allow": ", ".join(allowed)})
            await send({"type": "http.response.start", "status": 204, "headers": headers.raw})
            await send({"type": "http.response.body", "body": b""})
        elif scope["method"] == "HEAD" and "GET" in allowed:
            # The server keeps its own scope, HEAD, and so sends the headers but not the body.
            await self.app({**scope, "method": "GET"}, receive, send)
        else:
            # An unknown path (404), or HEAD where there is no GET (405): the router's answer.
            await self.app(scope, receive, send)
