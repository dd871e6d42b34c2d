"""Pure ASGI middleware: a request id, timing and security headers on every response, and a
limit on the size of request bodies.

TODO: write both classes as plain ASGI apps that wrap another one. See README.md, tasks 1, 2
and 5.
"""

from starlette.types import ASGIApp, Receive, Scope, Send


class ResponseHeadersMiddleware:
    """Tags every response: X-Request-ID, Server-Timing and the security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # TODO: pick the request id (the client's, if well-formed, else a new one), then wrap
        # `send` to add the headers to the "http.response.start" message (Server-Timing by
        # the given clock: `import clock`, then `clock.now()`), and answer an unhandled
        # exception with a 500 that carries them too.
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Refuses request bodies longer than `max_body_bytes` with 413."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # TODO: refuse a body over the limit with 413, counting the bytes that arrive, since
        # Content-Length can lie or be missing.
        await self.app(scope, receive, send)
