"""Task 4: a newcomer first gets the room's last 20 messages, oldest first."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from grader.kit import fail
from grader.ws import WebSocketClient

pytestmark = pytest.mark.task(4)

Join = Callable[..., Awaitable[Any]]
Expect = Callable[[WebSocketClient, dict[str, Any], str], Awaitable[None]]


def said(user: str, text: str) -> dict[str, str]:
    return {"type": "message", "from": user, "text": text}


async def chat(member: Any, expect: Expect, texts: list[str]) -> None:
    """`member` sends each text and reads its own echo, so each is handled before the next."""
    for text in texts:
        await member.send_json({"type": "message", "text": text})
        await expect(member, said(member.user, text), f"{member.user}'s own message {text!r}")


def check_history(member: Any, expected: list[dict[str, str]], why: str) -> None:
    if member.history != expected:
        got = [item.get("text") if isinstance(item, dict) else item for item in member.history]
        want = [item["text"] for item in expected]
        raise fail(
            f"{member.label} {why} → expected the history to hold {len(want)} messages "
            f"{want[:3]}…{want[-2:]}, got {len(got)}: {got[:3]}…{got[-2:]}"
            if len(want) > 5
            else f"{member.label} {why} → expected the history {expected}, got {member.history}"
        )


@pytest.mark.rule("history-limit", "history-order")
@pytest.mark.parametrize("count", [20, 21, 45])
async def test_history_holds_the_last_20_oldest_first(
    join: Join, expect: Expect, count: int
) -> None:
    """After n messages, a newcomer's history is the last min(n, 20) of them, oldest first."""
    alice = await join("alice")
    await chat(alice, expect, [f"message {number}" for number in range(1, count + 1)])
    bob = await join("bob")
    kept = range(max(1, count - 19), count + 1)
    check_history(
        bob,
        [said("alice", f"message {number}") for number in kept],
        f"joined after alice sent {count} messages",
    )


@pytest.mark.rule("history-messages-only", "history-order")
async def test_history_holds_only_this_rooms_messages(join: Join, expect: Expect) -> None:
    """The history holds messages of its room only: no join, leave or error, no other room."""
    alice = await join("alice", "red")
    bob = await join("bob", "red")
    await expect(alice, {"type": "join", "user": "bob"}, "bob's join event")
    other = await join("dave", "blue")
    await chat(other, expect, ["In blue"])
    await chat(alice, expect, ["One"])
    await expect(bob, said("alice", "One"), "alice's message")
    await bob.send_text("not JSON")
    await bob.receive_json("an error frame for a frame that is not JSON")
    await chat(bob, expect, ["Two"])
    await expect(alice, said("bob", "Two"), "bob's message")
    await bob.close()
    await expect(alice, {"type": "leave", "user": "bob"}, "bob's leave event")
    carol = await join("carol", "red")
    check_history(
        carol, [said("alice", "One"), said("bob", "Two")], "joined room red after its chat"
    )


@pytest.mark.rule("history-kept")
async def test_history_outlives_its_members(join: Join, expect: Expect) -> None:
    """A room's history stays while the app runs, even after every member has left."""
    alice = await join("alice", "quiet")
    await chat(alice, expect, ["Anyone?", "Hello?"])
    await alice.close()
    bob = await join("bob", "quiet")
    check_history(bob, [said("alice", "Anyone?"), said("alice", "Hello?")], "joined an empty room")


@pytest.mark.rule("history-first", "history-not-repeated")
async def test_history_is_not_sent_again_live(join: Join, expect: Expect) -> None:
    """What the history frame held is not sent again: the next frame is the next event."""
    alice = await join("alice")
    await chat(alice, expect, ["Before"])
    bob = await join("bob")
    check_history(bob, [said("alice", "Before")], "joined after one message")
    await expect(alice, {"type": "join", "user": "bob"}, "bob's join event")
    await chat(alice, expect, ["After"])
    await expect(bob, said("alice", "After"), "alice's message sent after bob joined (only)")
