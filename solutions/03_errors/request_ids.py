"""Request ids: every request gets one, every response carries it, the logs quote it."""

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
#: A client's own id is kept only when it is this tame: it goes into headers and log lines.
VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")


def request_id_of(request: Request) -> str:
    """The id RequestIdMiddleware gave the request."""
    request_id: str = request.state.request_id
    return request_id


class RequestIdMiddleware:
    """Gives each request an id, the client's if it sent a sound one, and answers with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        match [value for name, value in scope["headers"] if name == b"x-request-id"]:
            # Exactly one, and all of it sound (fullmatch: `$` would let a newline through).
            case [sent] if VALID_REQUEST_ID.fullmatch(sent):
                request_id = sent.decode("ascii")
            case _:
                request_id = uuid.uuid4().hex
        # The request's own state (each request has a copy), never a global: requests interleave.
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)
