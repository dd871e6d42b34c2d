"""An in-process WebSocket client for specs: it speaks ASGI to the learner's app directly.

A spec opens as many connections as it likes on one running app and decides, connection by
connection, how the far end behaves: a client that reads, one that stops reading (the app's sends
to it wait on a gate the spec holds, as a full TCP window makes them wait), one whose connection
breaks (the app's sends fail, as on a reset connection), one that vanishes without a closing
handshake. Nothing here sleeps or reads a clock, except the bound on how long a spec waits for a
frame the app owes, which only a failing app ever reaches.

It behaves as uvicorn does where the ASGI specification leaves room: a send on a connection that is
gone raises an `OSError` (uvicorn's `ClientDisconnected`), an app that raises is closed with 1011,
and one that returns after accepting without closing is closed with 1000.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from grader.kit import CLIENT_ADDRESS, fail
from grader.messages import clip, describe_exception

#: Seconds a spec waits for a frame the app owes before it fails; a correct app answers at once.
WAIT = 2.0

Message = MutableMapping[str, Any]


@dataclass(frozen=True)
class Closed:
    """The connection ended: the app closed it (with `code`), or it stopped."""

    code: int
    reason: str = ""
    #: The app closed it before accepting: the handshake was refused.
    before_accept: bool = False
    #: What the app raised, when it crashed.
    crash: str | None = None

    def describe(self) -> str:
        if self.crash:
            return f"the app raised {self.crash} (the connection closed with 1011)"
        when = " before accepting it" if self.before_accept else ""
        reason = f' ("{clip(self.reason, 60)}")' if self.reason else ""
        return f"the app closed the connection{when} with code {self.code}{reason}"


#: What the client can receive: a text frame, a binary frame, or the end of the connection.
Frame = str | bytes | Closed

_ACCEPTED = object()


class WebSocketClient:
    """One connection to an ASGI app; `label` names it in failure messages."""

    def __init__(
        self,
        app: Any,
        path: str,
        query: dict[str, str] | None = None,
        *,
        label: str = "",
        folder: Path | None = None,
        address: tuple[str, int] = CLIENT_ADDRESS,
    ) -> None:
        self.app = app
        self.path = path
        self.query = query or {}
        self.folder = folder
        self.address = address
        self.target = path + (f"?{urlencode(self.query)}" if self.query else "")
        self.label = label or f"WS {clip(self.target, 80)}"
        self.accepted = False
        self.closed: Closed | None = None
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._frames: asyncio.Queue[object] = asyncio.Queue()
        self._gone = False
        self._gate = asyncio.Event()
        self._gate.set()
        self._task: asyncio.Task[None] | None = None

    # --- what the app sees ----------------------------------------------------------------
    def _scope(self) -> dict[str, Any]:
        return {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "scheme": "ws",
            "server": ("testserver", 80),
            "client": self.address,
            "root_path": "",
            "path": self.path,
            "raw_path": self.path.encode("ascii", "replace"),
            "query_string": urlencode(self.query).encode("ascii"),
            "headers": [
                (b"host", b"testserver"),
                (b"connection", b"upgrade"),
                (b"upgrade", b"websocket"),
                (b"sec-websocket-version", b"13"),
            ],
            "subprotocols": [],
            "extensions": {},
        }

    async def _receive(self) -> Message:
        return await self._inbox.get()

    async def _send(self, message: Message) -> None:
        # A real server gives the loop away while it writes: others may run in between.
        await asyncio.sleep(0)
        await self._gate.wait()
        if self._gone:
            raise OSError("the client is gone")
        kind = message.get("type")
        if kind == "websocket.accept":
            if self.accepted or self.closed:
                raise RuntimeError("websocket.accept sent twice or after close")
            self.accepted = True
            self._frames.put_nowait(_ACCEPTED)
        elif kind == "websocket.send":
            if not self.accepted or self.closed:
                raise RuntimeError("websocket.send on a connection that is not open")
            text, data = message.get("text"), message.get("bytes")
            self._frames.put_nowait(text if text is not None else bytes(data or b""))
        elif kind == "websocket.close":
            if self.closed:
                raise RuntimeError("websocket.close on a closed connection")
            self._end(
                Closed(
                    code=int(message.get("code") or 1000),
                    reason=str(message.get("reason") or ""),
                    before_accept=not self.accepted,
                )
            )
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r}")

    def _end(self, closed: Closed) -> None:
        if self.closed is None:
            self.closed = closed
            self._frames.put_nowait(closed)

    async def _run(self) -> None:
        try:
            await self.app(self._scope(), self._receive, self._send)
        except asyncio.CancelledError:
            self._end(Closed(code=1006, before_accept=not self.accepted))
            raise
        except Exception as error:
            self._end(
                Closed(
                    code=1011,
                    before_accept=not self.accepted,
                    crash=describe_exception(error, self.folder),
                )
            )
        else:
            self._end(Closed(code=1000 if self.accepted else 1006, before_accept=not self.accepted))

    # --- what the spec does -----------------------------------------------------------------
    async def open(self) -> Closed | None:
        """Start the handshake; None when the app accepts, else how it refused."""
        self._task = asyncio.create_task(self._run())
        self._inbox.put_nowait({"type": "websocket.connect"})
        first = await self._next("the app to accept or refuse the connection")
        if first is _ACCEPTED:
            return None
        if isinstance(first, Closed):
            return first
        raise fail(f"{self.label} → the app sent a frame before accepting the connection")

    async def _next(self, what: str) -> object:
        try:
            return await asyncio.wait_for(self._frames.get(), WAIT)
        except asyncio.TimeoutError:
            raise fail(f"{self.label} → expected {what}, got nothing within {WAIT:g} s") from None

    async def receive(self, what: str = "a frame") -> Frame:
        """The next frame, or how the connection ended; fails if nothing comes."""
        frame = await self._next(what)
        assert isinstance(frame, str | bytes | Closed)
        return frame

    async def receive_json(self, what: str = "a JSON frame") -> Any:
        """The next frame as JSON text; fails on a close, a binary frame or text not JSON."""
        frame = await self.receive(what)
        if isinstance(frame, Closed):
            raise fail(f"{self.label} → expected {what}, but {frame.describe()}")
        if isinstance(frame, bytes):
            raise fail(f"{self.label} → expected {what} as a text frame, got a binary frame")
        try:
            return json.loads(frame)
        except json.JSONDecodeError:
            raise fail(
                f"{self.label} → expected {what}, got text that is not JSON: {clip(frame, 120)}"
            ) from None

    def pending(self) -> list[Frame]:
        """The frames already received and not read yet, without waiting."""
        frames: list[Frame] = []
        while not self._frames.empty():
            frame = self._frames.get_nowait()
            if isinstance(frame, str | bytes | Closed):
                frames.append(frame)
        return frames

    async def send_text(self, text: str) -> None:
        self._inbox.put_nowait({"type": "websocket.receive", "text": text})
        await asyncio.sleep(0)

    async def send_bytes(self, data: bytes) -> None:
        self._inbox.put_nowait({"type": "websocket.receive", "bytes": data})
        await asyncio.sleep(0)

    async def send_json(self, data: Any) -> None:
        await self.send_text(json.dumps(data))

    async def close(self, code: int = 1000) -> None:
        """Close from the client's side: the app receives `websocket.disconnect`."""
        self._disconnect(code)
        await asyncio.sleep(0)

    def vanish(self) -> None:
        """The client disappears without a closing handshake (code 1006, as a dropped TCP
        connection looks): the app's receive says so, and its sends fail, waiting ones too."""
        self._disconnect(1006)
        self.resume()

    def break_connection(self) -> None:
        """The connection breaks under the app: its sends fail (waiting ones too), its receive
        hears nothing."""
        self._gone = True
        self.resume()

    def stall(self) -> None:
        """The client stops reading: the app's sends to it wait until `resume()`."""
        self._gate.clear()

    def resume(self) -> None:
        self._gate.set()

    def _disconnect(self, code: int) -> None:
        if not self._gone:
            self._gone = True
            self._inbox.put_nowait({"type": "websocket.disconnect", "code": code})

    async def aclose(self) -> None:
        """End the connection and the app's handler for it, whatever state they are in."""
        self._disconnect(1000)
        self.resume()
        task = self._task
        if task is None or task.done():
            return
        # The handler has its chance to finish on the disconnect; one that does not is cancelled.
        for _ in range(20):
            await asyncio.sleep(0)
            if task.done():
                return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
