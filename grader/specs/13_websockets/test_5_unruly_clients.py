"""Task 5: clients that vanish, break or stop reading never hold up the rest of the room."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from grader.kit import fail
from grader.ws import WebSocketClient

pytestmark = pytest.mark.task(5)

Join = Callable[..., Awaitable[Any]]
Expect = Callable[[WebSocketClient, dict[str, Any], str], Awaitable[None]]


def said(user: str, text: str) -> dict[str, str]:
    return {"type": "message", "from": user, "text": text}


async def room_of(join: Join, expect: Expect, first: str, *others: str) -> list[Any]:
    """`first` joins, then each of `others`; every join event is read by those already in."""
    members = [await join(first)]
    for name in others:
        member = await join(name)
        for earlier in members:
            await expect(earlier, {"type": "join", "user": name}, f"{name}'s join event")
        members.append(member)
    return members


async def expect_both(member: Any, one: dict[str, Any], two: dict[str, Any], why: str) -> None:
    """The member's next two frames are `one` and `two`, in either order."""
    got = [await member.receive_json(why) for _ in range(2)]
    if sorted(map(repr, got)) != sorted(map(repr, (one, two))):
        raise fail(f"{member.label} → expected {why}: {one} and {two} (in any order), got {got}")


@pytest.mark.rule("vanished", "leave-however")
async def test_vanished_clients_leave_and_the_room_goes_on(join: Join, expect: Expect) -> None:
    """Clients that vanish without a close are taken out: the others hear it and keep chatting."""
    dave, erin, bob, carol = await room_of(join, expect, "dave", "erin", "bob", "carol")
    dave.vanish()
    erin.vanish()
    for member in (bob, carol):
        await expect_both(
            member,
            {"type": "leave", "user": "dave"},
            {"type": "leave", "user": "erin"},
            "the leave events of dave and erin, who vanished",
        )
    for text in ("Are they gone?", "Seems so"):
        await bob.send_json({"type": "message", "text": text})
        for member in (bob, carol):
            await expect(member, said("bob", text), "bob's message after two members vanished")


@pytest.mark.rule("broken", "vanished", "leave-however")
async def test_broken_connection_does_not_stop_delivery(join: Join, expect: Expect) -> None:
    """A member whose sends fail is taken out; the message still reaches everyone else."""
    dave, bob, carol = await room_of(join, expect, "dave", "bob", "carol")
    dave.break_connection()
    await bob.send_json({"type": "message", "text": "First"})
    for member in (bob, carol):
        await expect_both(
            member,
            said("bob", "First"),
            {"type": "leave", "user": "dave"},
            "bob's message, and the leave event of dave, whose connection broke",
        )
    await bob.send_json({"type": "message", "text": "Second"})
    for member in (bob, carol):
        await expect(member, said("bob", "Second"), "bob's next message")


@pytest.mark.rule("slow-member", "broadcast-never-waits")
async def test_stalled_member_does_not_hold_up_the_room(join: Join, expect: Expect) -> None:
    """A member that stops reading delays nobody: the others get every message at once."""
    dave, bob, carol = await room_of(join, expect, "dave", "bob", "carol")
    dave.stall()
    for text in ("One", "Two", "Three"):
        await bob.send_json({"type": "message", "text": text})
        for member in (bob, carol):
            await expect(member, said("bob", text), "bob's message while dave has stopped reading")
    await carol.send_json({"type": "message", "text": "Four"})
    await expect(bob, said("carol", "Four"), "carol's message while dave has stopped reading")


@pytest.mark.rule("slow-member", "backlog", "in-order")
async def test_member_50_frames_behind_catches_up(join: Join, expect: Expect) -> None:
    """A member 50 frames behind stays in the room and, once it reads again, gets them all."""
    dave, bob = await room_of(join, expect, "dave", "bob")
    dave.stall()
    texts = [f"Message {number}" for number in range(1, 51)]
    for text in texts:
        await bob.send_json({"type": "message", "text": text})
        await expect(bob, said("bob", text), "bob's own message while dave is not reading")
    dave.resume()
    for text in texts:
        await expect(dave, said("bob", text), "bob's messages, once dave reads again")
    await dave.send_json({"type": "message", "text": "Back"})
    await expect(bob, said("dave", "Back"), "dave's message (dave was only 50 frames behind)")


@pytest.mark.rule("backlog", "leave-however")
async def test_member_far_behind_is_dropped(join: Join, expect: Expect) -> None:
    """A member that reads nothing while 200 frames are sent to it is dropped from the room."""
    dave, bob = await room_of(join, expect, "dave", "bob")
    dave.stall()
    left = False
    for number in range(1, 201):
        text = f"Message {number}"
        await bob.send_json({"type": "message", "text": text})
        frame = await bob.receive_json(f"bob's own message {text!r}")
        if frame == {"type": "leave", "user": "dave"} and not left:
            left = True
            frame = await bob.receive_json(f"bob's own message {text!r}")
        if frame != said("bob", text):
            raise fail(f"{bob.label} → expected bob's own message {text!r}, got {frame}")
    if not left:
        raise fail(
            f"{bob.label} → expected dave's leave event: dave read nothing while bob sent 200 "
            "messages, more than the 100 frames a member may have waiting"
        )


@pytest.mark.rule("leave-however", "vanished")
async def test_member_that_left_is_gone_for_good(join: Join, expect: Expect) -> None:
    """A member that left is out of the room for good: 150 later frames bring no second leave."""
    alice, bob, carol = await room_of(join, expect, "alice", "bob", "carol")
    await bob.close()
    carol.vanish()
    for name in ("bob", "carol"):
        await expect(alice, {"type": "leave", "user": name}, f"{name}'s leave event")
    for number in range(1, 151):
        text = f"Alone {number}"
        await alice.send_json({"type": "message", "text": text})
        await expect(alice, said("alice", text), "alice's own message (bob and carol are gone)")


@pytest.mark.rule("vanished", "slow-member")
async def test_stalled_member_that_vanishes_leaves(join: Join, expect: Expect) -> None:
    """A member that stopped reading and then vanishes leaves at once, its backlog dropped."""
    dave, bob = await room_of(join, expect, "dave", "bob")
    dave.stall()
    await bob.send_json({"type": "message", "text": "Hello?"})
    await expect(bob, said("bob", "Hello?"), "bob's own message")
    dave.vanish()
    await expect(bob, {"type": "leave", "user": "dave"}, "dave's leave event after he vanished")
