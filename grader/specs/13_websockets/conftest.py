"""Fixtures of the WebSocket exercise: its grading interface, tokens, and clients that join rooms.

Every app is started with CHAT_SECRET set, and its `get_clock` dependency answers with the spec's
fake clock, which starts in 2033: a token PyJWT would call unexpired by the real time can be
expired by the app's clock. All connections of a spec go to one running app, through
`grader.ws.WebSocketClient`, which the spec can make stall, break or vanish.

Spec modules cannot import this file (its folder name is not a Python identifier), so every
helper is a fixture with a plain callable type.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import jwt
import pytest

from grader.kit import fail, with_clock
from grader.loader import LoadedApp
from grader.ws import Closed, WebSocketClient

#: The HS256 key the grader gives the app (`CHAT_SECRET`), so specs can sign tokens with it.
CHAT_SECRET = "kata-grader-chat-secret-5b2e8d1f9a7c4036-e1d0c9b8a7f6e5d4c3b2a1908f7e6d5c"
#: Where the fake clock starts: 2033-05-18, years after any real clock a test runs at.
START = 2_000_000_000.0

#: `token("alice", exp=+60, **claims)`: a token signed with CHAT_SECRET; `exp` is seconds from now
#: on the fake clock (None leaves the claim out); claims set to None are left out.
MakeToken = Callable[..., str]
#: `await connect("lobby", token)`: open a connection (accepted or not); the spec reads from it.
Connect = Callable[..., Awaitable[WebSocketClient]]
#: `await join("alice", "lobby")`: a member, accepted, whose history and own join were read;
#: `client.history` holds the history's messages.
Join = Callable[..., Awaitable["Member"]]


class FakeClock:
    """Seconds since the epoch, moved by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class Member(WebSocketClient):
    """A client that joined a room; `history` is the messages its history frame held."""

    user: str
    room: str
    history: list[Any]


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"CHAT_SECRET": CHAT_SECRET}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def loaded(load_app: Callable[..., LoadedApp], clock: FakeClock) -> LoadedApp:
    """The learner's app, whose `get_clock` dependency answers with `clock`."""
    return with_clock(load_app(), clock)


#: `sign({"sub": ...}, secret=..., algorithm=...)`: a JWS of exactly this payload, unchecked.
Sign = Callable[..., str]


def sign_payload(payload: Any, *, secret: str = CHAT_SECRET, algorithm: str = "HS256") -> str:
    # The JWS layer signs any JSON: PyJWT's claim checks would refuse to make some bad tokens.
    body = json.dumps(payload).encode()
    return jwt.api_jws.PyJWS().encode(body, secret if algorithm != "none" else None, algorithm)


@pytest.fixture
def sign() -> Sign:
    return sign_payload


@pytest.fixture
def token(clock: FakeClock) -> MakeToken:
    def token(
        user: Any = "alice",
        exp: float | None = 3600,
        *,
        secret: str = CHAT_SECRET,
        algorithm: str = "HS256",
        **claims: Any,
    ) -> str:
        payload: dict[str, Any] = {"sub": user}
        if exp is not None:
            payload["exp"] = int(clock.now + exp)
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        return sign_payload(payload, secret=secret, algorithm=algorithm)

    return token


@pytest.fixture
async def connect(running: Any, exercise_dir: Path) -> AsyncIterator[Connect]:
    clients: list[WebSocketClient] = []

    async def connect(
        room: str, token: str | None, *, label: str = "", member: bool = False
    ) -> WebSocketClient:
        query = {} if token is None else {"token": token}
        kind = Member if member else WebSocketClient
        client = kind(
            running,
            f"/ws/rooms/{room}",
            query,
            label=label or f"WS /ws/rooms/{room}",
            folder=exercise_dir,
        )
        clients.append(client)
        await client.open()
        return client

    yield connect
    for client in reversed(clients):
        await client.aclose()


@pytest.fixture
def join(connect: Connect, token: MakeToken) -> Join:
    async def join(user: str, room: str = "lobby") -> Member:
        label = f"{user} in /ws/rooms/{room}"
        client = await connect(room, token(user), label=label, member=True)
        assert isinstance(client, Member), "connect(member=True) makes a Member"
        if client.closed is not None:
            raise fail(
                f"{label} (a valid token for {user!r}) → expected the connection to be "
                f"accepted, but {client.closed.describe()}"
            )
        history = await client.receive_json("the history frame, first after accepting")
        if not (
            isinstance(history, dict)
            and history.get("type") == "history"
            and isinstance(history.get("messages"), list)
        ):
            raise fail(
                f"{label} → expected the first frame to be "
                f'{{"type": "history", "messages": [...]}}, got {shown(history)}'
            )
        client.user, client.room, client.history = user, room, history["messages"]
        await expect_event(client, {"type": "join", "user": user}, "its own join event")
        return client

    return join


def shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:160] + " … (cut)"


async def expect_event(client: WebSocketClient, expected: dict[str, Any], why: str) -> None:
    """The client's next frame must be the JSON object `expected`, exactly."""
    got = await client.receive_json(f"{why}, {shown(expected)}")
    if got != expected:
        raise fail(f"{client.label} → expected {why}, {shown(expected)}, got {shown(got)}")


#: `await expect(client, {...}, "why")`: the client's next frame is exactly this JSON object.
Expect = Callable[[WebSocketClient, dict[str, Any], str], Awaitable[None]]


@pytest.fixture
def expect() -> Expect:
    return expect_event


def refusal(client: WebSocketClient, frames: list[Any], why: str) -> None:
    """Fail unless the connection was refused with 1008 without a frame: before accepting, or
    right after."""
    closed = client.closed
    if frames:
        raise fail(
            f"{client.label} {why} → expected code 1008 and no frame, got {shown(frames[0])}"
        )
    if closed is None:
        raise fail(
            f"{client.label} {why} → expected the connection closed with 1008, "
            "but the app accepted it"
        )
    if closed.code != 1008:
        raise fail(f"{client.label} {why} → expected code 1008, but {closed.describe()}")


#: `await refused(client, "with an expired token")`: the connection ends with 1008, no frame.
Refused = Callable[[WebSocketClient, str], Awaitable[None]]


@pytest.fixture
def refused() -> Refused:
    async def refused(client: WebSocketClient, why: str) -> None:
        frames: list[Any] = []
        if client.accepted:
            # Accepted, then closed: the close must come next, with nothing before it.
            frame = await client.receive("a close with code 1008")
            if not isinstance(frame, Closed):
                frames.append(frame)
        refusal(client, frames, why)

    return refused
