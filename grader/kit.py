"""What specs are written with: a client that talks HTTP to the learner's app, and checks that
fail with a reason in HTTP terms.

Every failure a spec raises is read by a learner on the scorecard, so each says what was sent and
what came back: `POST /items → expected 201, got 200`. Plain `assert` works too, as long as it
carries such a message: `assert cond, f"{call(response)} → ..."`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Iterable, Iterator, MutableMapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from grader import events
from grader.loader import LoadedApp
from grader.messages import clip, describe_exception

#: The origin every spec request goes to.
BASE_URL = "http://testserver"


class SpecFailure(AssertionError):
    """A spec's expectation was not met; the message is what the learner reads."""


class AppCrashed(Exception):
    """The learner's app raised instead of answering a request."""

    def __init__(self, what: str, error: BaseException, folder: Path | None) -> None:
        super().__init__(f"{what} → the app raised {describe_exception(error, folder)}")
        self.error = error


class AppStartupError(AppCrashed):
    """The learner's app raised while starting (its lifespan): no spec can talk to it."""


class SpecClient(httpx.AsyncClient):
    """An `httpx.AsyncClient` whose errors from inside the app name the request and the line."""

    def __init__(self, *, folder: Path | None = None, **kwargs: Any) -> None:
        # The app is in this process: proxy settings from the environment mean nothing here, and
        # looking them up in a forked process can crash on macOS.
        kwargs.setdefault("trust_env", False)
        super().__init__(**kwargs)
        self.folder = folder

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        try:
            return await super().send(request, **kwargs)
        except httpx.HTTPError:
            raise
        # KeyboardInterrupt from a handler is the app's error (no Ctrl-C reaches a grading).
        except (Exception, KeyboardInterrupt) as error:
            # The message already names the learner's line, and `.error` keeps the exception:
            # chaining it would make pytest format the app's whole stack for every failure.
            raise AppCrashed(_request_line(request), error, self.folder) from None


#: The client address the app sees in `request.client` unless a spec picks another.
CLIENT_ADDRESS = ("127.0.0.1", 50000)


class PerRequestState:
    """Each request gets its own copy of the lifespan state, as uvicorn gives it.

    asgi-lifespan hands every request the same dict as `scope["state"]`: without this, what one
    request keeps on `request.state` would be seen (and overwritten) by the requests beside it.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and "state" in scope:
            scope["state"] = dict(scope["state"])
        await self.app(scope, receive, send)


@asynccontextmanager
async def started(app: Any, *, folder: Path | None = None) -> AsyncIterator[Any]:
    """Run the app's lifespan around the block; yields the app to send requests to, each request
    with its own copy of the lifespan state."""
    # No timeouts of its own: the grader times the spec, and says a hang was in startup.
    manager = LifespanManager(PerRequestState(app), startup_timeout=None, shutdown_timeout=None)
    events.phase(events.STARTUP)
    try:
        await manager.__aenter__()
    except (Exception, KeyboardInterrupt) as error:
        raise AppStartupError("starting the app (lifespan startup)", error, folder) from error
    events.phase(events.RUN)
    try:
        yield manager.app
    finally:
        await manager.__aexit__(None, None, None)


def client_for(
    running: Any,
    *,
    folder: Path | None = None,
    address: tuple[str, int] = CLIENT_ADDRESS,
    headers: dict[str, str] | None = None,
) -> SpecClient:
    """A client of an app already started; use it as `async with client_for(...) as client`."""
    transport = httpx.ASGITransport(app=running, client=address)
    return SpecClient(folder=folder, transport=transport, base_url=BASE_URL, headers=headers)


@asynccontextmanager
async def open_client(
    app: Any,
    *,
    folder: Path | None = None,
    address: tuple[str, int] = CLIENT_ADDRESS,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[SpecClient]:
    """Start the app (running its lifespan), yield a client for it, then shut it down."""
    async with started(app, folder=folder) as running:
        async with client_for(running, folder=folder, address=address, headers=headers) as client:
            yield client


def call(response: httpx.Response) -> str:
    """`POST /items?x=1`: the request that produced `response`, for messages."""
    return _request_line(response.request)


def _request_line(request: httpx.Request) -> str:
    target = request.url.raw_path.decode("ascii", "replace")
    return f"{request.method} {clip(target, 120)}"


def body_excerpt(response: httpx.Response, limit: int = 160) -> str:
    """The start of the response body, as a learner would want it quoted."""
    text = response.text.strip()
    return clip(text, limit) if text else "(empty body)"


def fail(message: str) -> SpecFailure:
    """A failure to `raise`, so that type checkers see the spec stop there."""
    return SpecFailure(message)


def expect_status(response: httpx.Response, *expected: int) -> httpx.Response:
    """Fail unless the status is one of `expected`; returns the response for chaining."""
    if response.status_code not in expected:
        wanted = " or ".join(str(code) for code in expected)
        raise fail(
            f"{call(response)} → expected {wanted}, got {response.status_code}: "
            f"{body_excerpt(response)}"
        )
    return response


def json_body(response: httpx.Response) -> Any:
    """The response's JSON body; fails if it has none."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        kind = response.headers.get("content-type", "no content-type")
        raise fail(
            f"{call(response)} → expected a JSON body, got {kind}: {body_excerpt(response)}"
        ) from None


def expect_json(response: httpx.Response, status: int) -> Any:
    """Fail unless the status is `status` and the body is JSON; return the body."""
    return json_body(expect_status(response, status))


def expect_object(response: httpx.Response, status: int, *fields: str) -> dict[str, Any]:
    """The body as a JSON object that has at least `fields`."""
    body = expect_json(response, status)
    if not isinstance(body, dict):
        raise fail(f"{call(response)} → expected a JSON object, got {clip(json.dumps(body), 160)}")
    missing = [name for name in fields if name not in body]
    if missing:
        names = ", ".join(f'"{name}"' for name in missing)
        raise fail(f"{call(response)} → response has no field {names}: {body_excerpt(response)}")
    return body


def expect_list(response: httpx.Response, status: int = 200) -> list[Any]:
    """The body as a JSON array."""
    body = expect_json(response, status)
    if not isinstance(body, list):
        raise fail(f"{call(response)} → expected a JSON array, got {clip(json.dumps(body), 160)}")
    return body


def expect_header(response: httpx.Response, name: str) -> str:
    """The value of header `name`; fails if the response lacks it."""
    value = response.headers.get(name)
    if value is None:
        raise fail(f"{call(response)} → response has no {name} header")
    return str(value)


def expect_no_fields(response: httpx.Response, body: Any, names: Iterable[str]) -> None:
    """Fail if any of `names` appears as a key anywhere in `body`, however deeply nested."""
    names = set(names)
    for key in _keys(body):
        if key in names:
            raise fail(f'{call(response)} → response has field "{key}"')


def _keys(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


def with_clock(loaded: LoadedApp, clock: Any, *, why: str = "move time") -> LoadedApp:
    """`loaded`, its app's `get_clock` dependency (from the app's module) answering `clock`;
    fails if the module has none. `why` ends "the grader overrides it to ...": what for."""
    get_clock = getattr(loaded.module, "get_clock", None)
    if get_clock is None:
        raise fail(
            f"main.py defines no get_clock: the grader overrides it to {why} "
            "(see the README's grading interface)"
        )
    loaded.app.dependency_overrides[get_clock] = lambda: clock
    return loaded


def bearer_header(token: str) -> dict[str, str]:
    """The `Authorization` header that sends `token` as a bearer token."""
    return {"Authorization": f"Bearer {token}"}


def expect_bearer_401(response: httpx.Response, what: str = "") -> None:
    """Fail unless `response` is a 401 carrying `WWW-Authenticate: Bearer`; `what` says how the
    request differed from a good one ("with an expired token")."""
    sent = f"{call(response)} {what}".rstrip()
    if response.status_code != 401:
        raise fail(f"{sent} → expected 401, got {response.status_code}: {body_excerpt(response)}")
    challenge = response.headers.get("WWW-Authenticate", "")
    scheme = challenge.replace(",", " ").split()[:1]
    if [word.lower() for word in scheme] != ["bearer"]:
        shown = f'"{challenge}"' if challenge else "no WWW-Authenticate header"
        raise fail(f"{sent} → a 401 must carry WWW-Authenticate: Bearer, got {shown}")


@contextmanager
def thread_switches() -> Iterator[None]:
    """Threads switch as often as CPython allows inside the block, so that the check and the act
    of a check-then-act in sync endpoints (which FastAPI runs in a thread pool) interleave."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
