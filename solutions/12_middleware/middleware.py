"""Pure ASGI middleware: a request id, timing and security headers on every response, and a
limit on the size of request bodies.

Task: write both classes as plain ASGI apps that wrap another one. See README.md, tasks 1, 2
and 5.
"""

import logging
import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import clock

logger = logging.getLogger(__name__)

#: An incoming request id is kept only when it matches this, whole.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")

#: Sent on every response; each value replaces one an endpoint may have set.
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def incoming_request_id(scope: Scope) -> str | None:
    """The client's X-Request-ID, if it sent exactly one and it is well-formed."""
    values = [value for name, value in scope["headers"] if name.lower() == b"x-request-id"]
    if len(values) != 1:
        # Two ids are no id: picking one would let a client smuggle the other past a log.
        return None
    value = values[0].decode("latin-1")
    # fullmatch, not match: CR/LF or anything else after a good prefix must not reach a header.
    return value if REQUEST_ID_PATTERN.fullmatch(value) else None


class ResponseHeadersMiddleware:
    """Outermost: tags every response, errors and other middleware's answers included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope) or uuid.uuid4().hex
        # Endpoints can read it as request.state.request_id, e.g. to pass it on downstream.
        scope.setdefault("state", {})["request_id"] = request_id
        # Outermost, so every layer inside is timed, the arrival of the request's body included.
        started_at = clock.now()
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                elapsed_ms = (clock.now() - started_at) * 1000
                headers["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if response_started:
                # Half a response is out: only the server can end it, by dropping the connection.
                raise
            # Answered here rather than by Starlette's outer error handler, which would skip
            # this middleware's headers.
            logger.exception("unhandled error in request %s", request_id)
            response = JSONResponse(
                {"detail": "Internal Server Error", "request_id": request_id}, status_code=500
            )
            await response(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuses bodies over `max_body_bytes` with 413, counting bytes as they arrive."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            # Refused before a byte of it is read.
            await self.too_large(scope, receive, send)
            return
        # Content-Length can lie or be missing (chunked), so only the bytes received count.
        # Holding the body is bounded by the limit itself.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away mid-body: nobody is left to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self.too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            # After the body, the app may still wait for the client to disconnect.
            return await receive()

        await self.app(scope, replay, send)

    async def too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"Request body larger than {self.max_body_bytes} bytes"
        await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)
