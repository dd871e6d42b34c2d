"""Request ids: every request gets one, every response carries it, the logs quote it.

TODO: README, task 5.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Gives each request an id, the client's if it sent a sound one, and answers with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # TODO: pick the request's id (the client's, or a new one), keep it where the error
        # handlers can find it for this request only, and add it to every response.
        await self.app(scope, receive, send)
