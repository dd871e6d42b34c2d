"""Fixtures for the middleware specs: the grading interface's environment and clock, a client
that sees a 500 as an answer, a raw ASGI exchange for what httpx cannot send or show (a CR LF in
a header, a body that never comes, a stream seen chunk by chunk), and checks of the headers
every response must carry.

Spec modules cannot import this file (its folder name is not a Python identifier), so every
helper is a fixture with a plain callable type.
"""

from __future__ import annotations

import asyncio
import re
import sys
import types
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from grader.kit import BASE_URL, CLIENT_ADDRESS, SpecClient, call, fail
from grader.loader import LoadedApp

#: The environment every app is started with (README, "Grading interface").
DEFAULT_ENV = {
    "ALLOWED_HOSTS": "testserver,api.example.com",
    "CORS_ORIGINS": "https://app.example.com,https://admin.example.com",
    "MAX_BODY_BYTES": "1024",
    "GZIP_MIN_BYTES": "600",
}

#: The security headers of task 2, each expected exactly once with exactly this value.
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SERVER_TIMING = re.compile(r"app;dur=\d+(\.\d+)?")

#: How long a spec waits for something the app should do at once; only a hang reaches it.
PATIENCE = 3.0


@pytest.fixture
def app_env() -> dict[str, str]:
    return dict(DEFAULT_ENV)


# --- the clock (grading interface) -----------------------------------------------------------
class FakeClock:
    """The app's `clock.now()`: seconds that pass only when the spec moves them.

    It starts at one second, not zero, so an app that reports the time itself rather than a
    difference is caught; and a request may last longer than the clock had run before it came,
    so a remainder (`now % start`) passes for no difference either. It moves only by sums of
    powers of two (1.5 s, 0.25 s, 1/256 s), which floats hold exactly.
    """

    START = 1.0

    def __init__(self) -> None:
        self.seconds = self.START
        #: How many times the app read the clock: zero means it times requests by another one.
        self.reads = 0

    def now(self) -> float:
        self.reads += 1
        return self.seconds

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the fake clock only moves forward")
        self.seconds += seconds

    def module(self) -> types.ModuleType:
        """A stand-in for the given `clock.py`, whose `now` is this clock."""
        module = types.ModuleType("clock", "The grader's clock, moved by hand by the specs.")
        module.now = self.now  # type: ignore[attr-defined]
        return module


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def load_app(
    load_app: Callable[..., LoadedApp], clock: FakeClock
) -> Iterator[Callable[..., LoadedApp]]:
    """The common `load_app`, with the spec's clock in place of the app's `clock.py`.

    It goes into `sys.modules` before the app is imported, so `import clock` and
    `from clock import now` both get it, and it leaves when the spec ends.
    """
    saved = sys.modules.get("clock")
    sys.modules["clock"] = clock.module()
    try:
        yield load_app
    finally:
        if saved is None:
            sys.modules.pop("clock", None)
        else:
            sys.modules["clock"] = saved


@pytest.fixture
async def lenient(running: Any, exercise_dir: Path) -> AsyncIterator[SpecClient]:
    """A client that gets the app's 500 as an answer, where `client` would report the crash."""
    transport = httpx.ASGITransport(app=running, client=CLIENT_ADDRESS, raise_app_exceptions=False)
    async with SpecClient(folder=exercise_dir, transport=transport, base_url=BASE_URL) as client:
        yield client


# --- headers every response carries (tasks 1 and 2) ----------------------------------------
def _once(response: httpx.Response, name: str, what: str) -> str:
    values = response.headers.get_list(name)
    if len(values) != 1:
        got = "none" if not values else f"{len(values)}: {values}"
        raise fail(
            f"{call(response)} → the {response.status_code} {what} must carry exactly one "
            f"{name} header, got {got}"
        )
    return str(values[0])


#: `request_id(response, "answer")`: the response's one well-formed X-Request-ID.
RequestId = Callable[[httpx.Response, str], str]


@pytest.fixture
def request_id() -> RequestId:
    def request_id(response: httpx.Response, what: str = "answer") -> str:
        value = _once(response, "X-Request-ID", what)
        if not REQUEST_ID.fullmatch(value):
            raise fail(
                f"{call(response)} → X-Request-ID must be 1 to 64 letters, digits, '-', '_' "
                f"or '.', got {value!r}"
            )
        return value

    return request_id


#: `tagged(response, "404 for an unknown path")`: fail unless the response carries a request
#: id, Server-Timing and every security header, each exactly once.
Tagged = Callable[[httpx.Response, str], None]


@pytest.fixture
def tagged(request_id: RequestId) -> Tagged:
    def tagged(response: httpx.Response, what: str) -> None:
        request_id(response, what)
        timing = _once(response, "Server-Timing", what)
        if not SERVER_TIMING.fullmatch(timing):
            raise fail(
                f"{call(response)} → Server-Timing must be app;dur=<milliseconds>, got {timing!r}"
            )
        for name, expected in SECURITY_HEADERS.items():
            value = _once(response, name, what)
            if value != expected:
                raise fail(f"{call(response)} → expected {name}: {expected}, got {value!r}")

    return tagged


def names_in(response: httpx.Response, header: str) -> set[str]:
    """The comma-separated names of a header (all of its lines), lower-cased."""
    return {
        part.strip().lower()
        for line in response.headers.get_list(header)
        for part in line.split(",")
        if part.strip()
    }


#: `names(response, "Vary")`: the lower-cased names a comma-separated header lists.
Names = Callable[[httpx.Response, str], set[str]]


@pytest.fixture
def names() -> Names:
    return names_in


# --- a raw ASGI exchange ---------------------------------------------------------------------
@dataclass
class Exchange:
    """One request sent straight to the ASGI app, and what the app sent back so far."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    @property
    def status(self) -> int | None:
        starts = [m for m in self.messages if m["type"] == "http.response.start"]
        return int(starts[0]["status"]) if starts else None

    def headers(self, name: str) -> list[bytes]:
        """The values of header `name` in the response's start message."""
        wanted = name.lower().encode()
        starts = [m for m in self.messages if m["type"] == "http.response.start"]
        if not starts:
            return []
        return [value for key, value in starts[0].get("headers", []) if key.lower() == wanted]

    def bodies(self) -> list[bytes]:
        return [m.get("body", b"") for m in self.messages if m["type"] == "http.response.body"]

    async def wait_for(self, done: Callable[[], bool], what: str) -> None:
        """Wait until `done()` holds; fail with `what` if the app stops sending first."""

        async def until() -> None:
            while not done():
                if self.finished.is_set():
                    raise fail(what + " (the app finished without it)")
                self.arrived.clear()
                await self.arrived.wait()

        try:
            await asyncio.wait_for(until(), PATIENCE)
        except TimeoutError:
            raise fail(what) from None

    async def end(self) -> None:
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, PATIENCE)
            except TimeoutError:
                raise fail("the app never finished its answer") from None

    async def settle(self) -> BaseException | None:
        """Wait for the app to return or raise; the exception it raised, if any."""
        if self.task is None:
            return None
        done, _ = await asyncio.wait({self.task}, timeout=PATIENCE)
        if not done:
            raise fail("the app never finished its answer")
        return self.task.exception()

    def starts(self) -> int:
        return sum(1 for m in self.messages if m["type"] == "http.response.start")


#: `exchange(method, path, headers=[(b"x", b"y")], body=None)`: start a raw request; `body=None`
#: means a body that never arrives (the app must answer without reading it).
Send = Callable[..., Awaitable[Exchange]]


@pytest.fixture
async def exchange(running: Any) -> AsyncIterator[Send]:
    started: list[Exchange] = []

    async def send(
        method: str,
        path: str,
        *,
        headers: Iterable[tuple[bytes, bytes]] = (),
        body: bytes | None = b"",
    ) -> Exchange:
        result = Exchange()
        done = asyncio.Event()
        body_sent = False

        async def receive() -> dict[str, Any]:
            nonlocal body_sent
            if body is not None and not body_sent:
                body_sent = True
                # No "more_body": the ASGI default, False, says this is the whole body.
                return {"type": "http.request", "body": body}
            await done.wait()  # the client stays until the answer is complete
            return {"type": "http.disconnect"}

        async def on_send(message: dict[str, Any]) -> None:
            result.messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()
            result.arrived.set()

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), *headers],
            "client": CLIENT_ADDRESS,
            "server": ("testserver", 80),
            "state": {},
        }

        async def run() -> None:
            try:
                await running(scope, receive, on_send)
            finally:
                result.finished.set()
                result.arrived.set()
                done.set()

        result.task = asyncio.ensure_future(run())
        started.append(result)
        return result

    yield send
    for result in started:
        if result.task is not None and not result.task.done():
            result.task.cancel()
            try:
                await result.task
            except (asyncio.CancelledError, Exception):
                pass  # the spec has failed already: what a cancelled app raises adds nothing
