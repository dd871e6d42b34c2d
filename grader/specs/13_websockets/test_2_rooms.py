"""Task 2: messages and events reach every member of the room, and nobody else."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from grader.kit import fail
from grader.ws import WebSocketClient

pytestmark = pytest.mark.task(2)

Join = Callable[..., Awaitable[Any]]
Expect = Callable[[WebSocketClient, dict[str, Any], str], Awaitable[None]]


def said(user: str, text: str) -> dict[str, str]:
    return {"type": "message", "from": user, "text": text}


@pytest.mark.rule("broadcast", "message-frame", "exact-fields")
async def test_message_reaches_every_member_and_the_sender(join: Join, expect: Expect) -> None:
    """A message goes to every member of the room, the sender included, as a message frame."""
    alice = await join("alice")
    bob = await join("bob")
    await expect(alice, {"type": "join", "user": "bob"}, "bob's join event")
    carol = await join("carol")
    for member in (alice, bob):
        await expect(member, {"type": "join", "user": "carol"}, "carol's join event")
    await bob.send_json({"type": "message", "text": "Hello, room!"})
    for member in (alice, bob, carol):
        await expect(member, said("bob", "Hello, room!"), "bob's message")


@pytest.mark.rule("join-event", "leave-event", "leave-however")
async def test_join_and_leave_events(join: Join, expect: Expect) -> None:
    """Members hear who joins and who leaves; the one who left hears nothing more."""
    alice = await join("alice")
    bob = await join("bob")
    await expect(alice, {"type": "join", "user": "bob"}, "bob's join event")
    carol = await join("carol")
    for member in (alice, bob):
        await expect(member, {"type": "join", "user": "carol"}, "carol's join event")
    await bob.close()
    for member in (alice, carol):
        await expect(member, {"type": "leave", "user": "bob"}, "bob's leave event after he closed")
    await carol.send_json({"type": "message", "text": "Bye, bob"})
    await expect(alice, said("carol", "Bye, bob"), "carol's message after bob left")
    await expect(carol, said("carol", "Bye, bob"), "carol's own message")


@pytest.mark.rule("room-only", "in-order")
async def test_messages_and_events_stay_in_their_room(join: Join, expect: Expect) -> None:
    """Messages, joins and leaves of one room never reach members of another."""
    red = await join("alice", "red")
    blue = await join("bob", "blue")
    red_too = await join("carol", "red")
    await expect(red, {"type": "join", "user": "carol"}, "carol's join event in room red")
    await red.send_json({"type": "message", "text": "Only for red"})
    await expect(red, said("alice", "Only for red"), "alice's own message")
    await expect(red_too, said("alice", "Only for red"), "alice's message in room red")
    await red_too.close()
    await expect(red, {"type": "leave", "user": "carol"}, "carol's leave event in room red")
    # Frames to one connection keep their order: a leak from red would come before this.
    blue_too = await join("dave", "blue")
    await blue.send_json({"type": "message", "text": "Blue here"})
    await expect(blue, {"type": "join", "user": "dave"}, "dave's join event in room blue")
    await expect(
        blue, said("bob", "Blue here"), "bob's own message (and nothing from room red before it)"
    )
    await expect(blue_too, said("bob", "Blue here"), "bob's message in room blue")


@pytest.mark.rule("sender-is-token-user")
async def test_from_is_the_token_user_whatever_the_client_says(join: Join, expect: Expect) -> None:
    """A forged "from" (or "user") field is ignored: the sender is always the token's user."""
    alice = await join("alice")
    bob = await join("bob")
    await expect(alice, {"type": "join", "user": "bob"}, "bob's join event")
    await bob.send_json({"type": "message", "text": "I am alice", "from": "alice", "user": "alice"})
    for member in (alice, bob):
        await expect(member, said("bob", "I am alice"), 'bob\'s message, "from" bob')


@pytest.mark.rule("broadcast", "many-members")
async def test_many_members_sending_at_once(join: Join, expect: Expect) -> None:
    """Twelve members send at the same time: every member receives all twelve messages, once."""
    names = [f"user{number:02d}" for number in range(12)]
    members = []
    for name in names:
        members.append(await join(name, "crowd"))
    for index, member in enumerate(members):
        for later in names[index + 1 :]:
            await expect(member, {"type": "join", "user": later}, f"{later}'s join event")
    await asyncio.gather(
        *(
            member.send_json({"type": "message", "text": f"hi from {member.user}"})
            for member in members
        )
    )
    expected = sorted(f"hi from {name}" for name in names)
    for member in members:
        texts = []
        for _ in names:
            frame = await member.receive_json("one of the twelve messages")
            if not isinstance(frame, dict) or frame.get("type") != "message":
                raise fail(f"{member.label} → expected twelve message frames, got {frame!r}")
            if frame.get("from") != frame.get("text", "")[len("hi from ") :]:
                raise fail(f"{member.label} → message with the wrong sender: {frame!r}")
            texts.append(frame["text"])
        if sorted(texts) != expected:
            raise fail(
                f"{member.label} → after twelve members each sent one message at once, expected "
                f"each message once, got {sorted(texts)}"
            )


@pytest.mark.rule("per-connection")
async def test_one_user_with_two_connections(join: Join, expect: Expect) -> None:
    """The same user may join twice: each connection is a member and gets every frame."""
    first = await join("alice")
    second = await join("alice")
    await expect(first, {"type": "join", "user": "alice"}, "alice's second connection joining")
    bob = await join("bob")
    for member in (first, second):
        await expect(member, {"type": "join", "user": "bob"}, "bob's join event")
    await second.close()
    await expect(
        first, {"type": "leave", "user": "alice"}, "the leave of alice's second connection"
    )
    await expect(bob, {"type": "leave", "user": "alice"}, "the leave of alice's second connection")
    await bob.send_json({"type": "message", "text": "Still there?"})
    await expect(first, said("bob", "Still there?"), "bob's message to alice's first connection")
