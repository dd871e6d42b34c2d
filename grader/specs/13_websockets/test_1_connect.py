"""Task 1: only a valid, unexpired token gets a connection, and only to a well-named room."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from grader.kit import fail
from grader.ws import WebSocketClient

pytestmark = pytest.mark.task(1)

MakeToken = Callable[..., str]
Sign = Callable[..., str]
Connect = Callable[..., Awaitable[WebSocketClient]]
Join = Callable[..., Awaitable[Any]]
Refused = Callable[[WebSocketClient, str], Awaitable[None]]
Expect = Callable[[WebSocketClient, dict[str, Any], str], Awaitable[None]]


@pytest.mark.rule("token-accepted", "secret", "history-first", "join-event", "exact-fields")
async def test_valid_token_is_accepted(connect: Connect, token: MakeToken) -> None:
    """A valid token is accepted: first the history frame, then the newcomer's own join event."""
    client = await connect("lobby", token("alice"), label="alice in /ws/rooms/lobby")
    if client.closed is not None and not client.accepted:
        raise fail(f"{client.label} with a valid token → {client.closed.describe()}")
    first = await client.receive_json("the history frame")
    if first != {"type": "history", "messages": []}:
        raise fail(
            f"{client.label} (a new room) → expected first "
            f'{{"type": "history", "messages": []}}, got {first!r}'
        )
    second = await client.receive_json("alice's join event")
    if second != {"type": "join", "user": "alice"}:
        raise fail(
            f'{client.label} → expected {{"type": "join", "user": "alice"}} after the history, '
            f"got {second!r}"
        )


@pytest.mark.rule("token-required", "refusal-1008")
async def test_missing_or_empty_token_is_refused(connect: Connect, refused: Refused) -> None:
    """No token, or an empty one: the connection is closed with 1008 and no frame."""
    await refused(await connect("lobby", None), "without a token")
    await refused(await connect("lobby", ""), "with token=''")


@pytest.mark.rule("token-signature", "secret", "refusal-1008")
@pytest.mark.parametrize(
    "what",
    ["another key", "the last character changed", "alg none", "HS512", "junk", "three dots"],
)
async def test_forged_or_malformed_token_is_refused(
    connect: Connect, token: MakeToken, refused: Refused, what: str
) -> None:
    """Tokens not signed with CHAT_SECRET using HS256, or not tokens at all, get 1008."""
    good = token("mallory")
    forged = {
        "another key": token("mallory", secret="another-secret-of-the-same-length-00000"),
        "the last character changed": good[:-1] + ("A" if good[-1] != "A" else "B"),
        "alg none": token("mallory", algorithm="none"),
        "HS512": token("mallory", algorithm="HS512"),
        "junk": "not-a-token",
        "three dots": "a.b.c",
    }[what]
    await refused(await connect("lobby", forged), f"with a token: {what}")


LATER = 2_000_003_600  # an hour after the fake clock's start

BAD_CLAIMS = {
    "no sub": {"exp": LATER},
    "empty sub": {"sub": "", "exp": LATER},
    "numeric sub": {"sub": 42, "exp": LATER},
    "null sub": {"sub": None, "exp": LATER},
    "no exp": {"sub": "mallory"},
    "text exp": {"sub": "mallory", "exp": "tomorrow"},
    "null exp": {"sub": "mallory", "exp": None},
    "a list, not an object": ["mallory", LATER],
}


@pytest.mark.rule("token-claims", "refusal-1008")
@pytest.mark.parametrize("what", list(BAD_CLAIMS))
async def test_token_without_valid_claims_is_refused(
    connect: Connect, sign: Sign, refused: Refused, what: str
) -> None:
    """A token signed with CHAT_SECRET whose sub or exp is missing or of the wrong kind: 1008."""
    await refused(await connect("lobby", sign(BAD_CLAIMS[what])), f"with a signed token: {what}")


@pytest.mark.rule("token-expiry", "clock")
@pytest.mark.parametrize(("offset", "good"), [(-3600, False), (-1, False), (0, False), (1, True)])
async def test_expiry_is_read_from_the_clock(
    connect: Connect, token: MakeToken, refused: Refused, offset: int, good: bool
) -> None:
    """A token is good while the app's clock is before its exp: exp-1 s is refused, exp+1 s not."""
    client = await connect("lobby", token("alice", exp=offset), label="alice in /ws/rooms/lobby")
    why = f"with a token whose exp is {offset:+d} s from the app's clock (get_clock)"
    if good:
        if not client.accepted:
            raise fail(
                f"{client.label} {why} → expected it accepted, but "
                f"{client.closed.describe() if client.closed else 'nothing came'}"
            )
        await client.receive_json("the history frame")
    else:
        await refused(client, why)


@pytest.mark.rule("token-expiry", "clock")
async def test_expiry_is_not_read_from_the_real_time(
    connect: Connect, token: MakeToken, clock: Any
) -> None:
    """With the app's clock set in 2001, a token whose exp is a minute later is accepted."""
    clock.now = 1_000_000_000.0
    client = await connect("lobby", token("alice", exp=60), label="alice in /ws/rooms/lobby")
    if not client.accepted:
        raise fail(
            f"{client.label} with a token whose exp is 60 s after the app's clock (set to 2001 "
            f"through get_clock) → expected it accepted, but "
            f"{client.closed.describe() if client.closed else 'nothing came'}: was the real time "
            "read instead?"
        )
    await client.receive_json("the history frame")


@pytest.mark.rule("token-claims", "token-accepted")
async def test_one_character_user_name_is_a_user(join: Join, expect: Expect) -> None:
    """A sub of one character is a user name like any other."""
    await join("x")


@pytest.mark.rule("room-name")
@pytest.mark.parametrize("room", ["Lobby", "lob%20by", "lobby_2", "a" * 33, "caf%C3%A9"])
async def test_bad_room_name_is_refused(
    connect: Connect, token: MakeToken, refused: Refused, room: str
) -> None:
    """A room name outside [a-z0-9-]{1,32} gets 1008, even with a valid token."""
    await refused(await connect(room, token("alice")), f"(room {room!r})")


@pytest.mark.rule("room-name")
@pytest.mark.parametrize("room", ["a" * 32, "0", "room-2-b"])
async def test_good_room_names_are_accepted(join: Join, room: str) -> None:
    """Room names of 1 to 32 lower-case letters, digits and dashes are accepted."""
    await join("alice", room)


@pytest.mark.rule("refused-not-member")
async def test_refused_client_never_joins(
    connect: Connect, join: Join, token: MakeToken, expect: Expect
) -> None:
    """A refused connection is never in the room: members see no join event for it."""
    alice = await join("alice")
    await connect("lobby", token("mallory", exp=-1))
    await connect("lobby", token("eve", secret="another-secret-of-the-same-length-00000"))
    await join("bob")
    await expect(alice, {"type": "join", "user": "bob"}, "bob's join (and none for refused ones)")
