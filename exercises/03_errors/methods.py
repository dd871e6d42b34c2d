"""What a path allows: the `Allow` of a 405, HEAD answered like GET, OPTIONS answered at all.

TODO: README, task 2.
"""

from starlette.types import ASGIApp, Receive, Scope, Send


def allowed_methods(app: ASGIApp, scope: Scope) -> list[str]:
    """Every method the request's path answers, over all the routes that match it."""
    # TODO: look at every route of the app, not only the first that matches the path.
    raise NotImplementedError


class MethodsMiddleware:
    """Answers OPTIONS with the path's methods, and HEAD as the GET it stands for."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # TODO: answer OPTIONS on a known path yourself; run HEAD as the GET it stands for.
        await self.app(scope, receive, send)
