"""Task 3: a bad frame gets an error frame (or, when too big, a close), and the chat goes on."""

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from grader.kit import fail
from grader.ws import Closed, WebSocketClient

pytestmark = pytest.mark.task(3)

Join = Callable[..., Awaitable[Any]]
Expect = Callable[[WebSocketClient, dict[str, Any], str], Awaitable[None]]


def said(user: str, text: str) -> dict[str, str]:
    return {"type": "message", "from": user, "text": text}


async def expect_error(client: WebSocketClient, sent: str) -> None:
    frame = await client.receive_json(f"an error frame after sending {sent}")
    if not (
        isinstance(frame, dict)
        and frame.get("type") == "error"
        and isinstance(frame.get("detail"), str)
        and frame["detail"]
    ):
        raise fail(
            f"{client.label} sent {sent} → expected "
            f'{{"type": "error", "detail": "..."}}, got {json.dumps(frame)[:160]}'
        )


def framed(text: str, size: int) -> str:
    """A valid message frame padded with an ignored field to exactly `size` characters, most of
    them two bytes long in UTF-8, so that a limit on bytes shows."""
    head = json.dumps({"type": "message", "text": text, "pad": ""})
    frame = head[:-2] + "é" * (size - len(head)) + '"}'
    assert len(frame) == size, f"the grader built a frame of {len(frame)} characters, not {size}"
    return frame


BAD = {
    "text that is not JSON": "hello",
    "truncated JSON": '{"type": "message", "text": "hi"',
    "a JSON array": '["message", "hi"]',
    "a JSON string": '"hi"',
    "null": "null",
    "no type": '{"text": "hi"}',
    'type "join"': '{"type": "join", "text": "hi", "user": "alice"}',
    'type "Message"': '{"type": "Message", "text": "hi"}',
    "no text": '{"type": "message"}',
    "an empty text": '{"type": "message", "text": ""}',
    "a numeric text": '{"type": "message", "text": 42}',
    "a null text": '{"type": "message", "text": null}',
    "a list as text": '{"type": "message", "text": ["hi"]}',
    "a text of 501 characters": json.dumps({"type": "message", "text": "y" * 501}),
    "an empty frame": "",
}


@pytest.mark.rule("bad-message-error", "error-frame", "error-to-sender-only", "keeps-serving")
@pytest.mark.parametrize("what", list(BAD))
async def test_bad_message_gets_an_error_frame(join: Join, expect: Expect, what: str) -> None:
    """A bad message gets an error frame, to its sender only; the connection stays usable."""
    alice = await join("alice")
    bob = await join("bob")
    await expect(alice, {"type": "join", "user": "bob"}, "bob's join event")
    await bob.send_text(BAD[what])
    await expect_error(bob, what)
    await bob.send_json({"type": "message", "text": "Still here"})
    await expect(bob, said("bob", "Still here"), f"bob's next message, after {what}")
    await expect(
        alice,
        said("bob", "Still here"),
        f"bob's message (and nothing before it: bob's bad frame was {what})",
    )


@pytest.mark.rule("bad-message-error", "keeps-serving")
async def test_binary_frame_gets_an_error_frame(join: Join, expect: Expect) -> None:
    """A binary frame, even one holding valid JSON, gets an error frame; the connection stays."""
    bob = await join("bob")
    await bob.send_bytes(json.dumps({"type": "message", "text": "hi"}).encode())
    await expect_error(bob, "a binary frame")
    await bob.send_json({"type": "message", "text": "As text"})
    await expect(bob, said("bob", "As text"), "bob's next message, after a binary frame")


@pytest.mark.rule("text-length")
async def test_text_of_one_and_of_500_characters_is_a_message(join: Join, expect: Expect) -> None:
    """Texts of 1 and of 500 characters (not bytes: é is one), spaces kept, are messages."""
    bob = await join("bob")
    for text in ("!", "é" * 500, " ", " padded  "):
        await bob.send_json({"type": "message", "text": text})
        await expect(bob, said("bob", text), f"bob's message of {len(text)} characters")


@pytest.mark.rule("frame-limit", "unknown-fields-ignored")
async def test_frame_of_4096_characters_is_read(join: Join, expect: Expect) -> None:
    """A valid frame of exactly 4096 characters, most of it an unknown field, is a message."""
    alice = await join("alice")
    await alice.send_text(framed("Padded", 4096))
    await expect(alice, said("alice", "Padded"), "alice's message in a frame of 4096 characters")


@pytest.mark.rule("frame-limit", "leave-however", "keeps-serving")
@pytest.mark.parametrize("size", [4097, 1_000_000])
async def test_frame_over_4096_characters_closes_with_1009(
    join: Join, expect: Expect, size: int
) -> None:
    """A frame over 4096 characters closes that connection with 1009; the room goes on."""
    alice = await join("alice")
    bob = await join("bob")
    await expect(alice, {"type": "join", "user": "bob"}, "bob's join event")
    await bob.send_text(framed("Too big", size))
    frame = await bob.receive(f"a close with 1009 after a frame of {size} characters")
    if not isinstance(frame, Closed) or frame.code != 1009:
        got = frame.describe() if isinstance(frame, Closed) else f"the frame {str(frame)[:120]!r}"
        raise fail(
            f"{bob.label} sent a frame of {size} characters → expected a close with 1009, got {got}"
        )
    await expect(alice, {"type": "leave", "user": "bob"}, "bob's leave event after his close")
    await alice.send_json({"type": "message", "text": "Carry on"})
    await expect(alice, said("alice", "Carry on"), "alice's message after bob was closed")


HOSTILE = {
    "a lone surrogate in text": '{"type": "message", "text": "\\ud800"}',
    "nesting 2000 deep": "[" * 2000 + "]" * 2000,
    "a text nested 300 deep": '{"type": "message", "text": ' + "[" * 300 + "]" * 300 + "}",
    "NaN": '{"type": "message", "text": NaN}',
    "an integer past 64 bits": '{"type": "message", "text": 123456789012345678901234567890}',
    "a NUL byte": '{"type": "message", "text": "\u0000"}\u0000',
    "a byte order mark": '\ufeff{"type": "message", "text": "hi"}',
    "a duplicated key": '{"type": "message", "text": "", "text": 7}',
    "control characters": "\x00\x01\x02\x1b[2J",
}


@pytest.mark.rule("keeps-serving", "bad-message-error")
async def test_hostile_frames_never_crash_the_connection(join: Join, expect: Expect) -> None:
    """Hostile frames (nesting 2000 deep, lone surrogates, NaN, NUL) get an answer, not a crash."""
    bob = await join("bob")
    for what, text in HOSTILE.items():
        await bob.send_text(text)
        frame = await bob.receive(f"an answer to a frame with {what}")
        if isinstance(frame, Closed):
            raise fail(f"{bob.label} sent a frame with {what} → {frame.describe()}")
        try:
            answer = json.loads(frame)
        except (json.JSONDecodeError, TypeError):
            raise fail(
                f"{bob.label} sent a frame with {what} → got a frame that is not JSON"
            ) from None
        if not isinstance(answer, dict) or answer.get("type") not in ("error", "message"):
            raise fail(
                f"{bob.label} sent a frame with {what} → expected an error frame (or, where the "
                f"frame is a valid message, the message), got {json.dumps(answer)[:160]}"
            )
    await bob.send_json({"type": "message", "text": "Unharmed"})
    await expect(bob, said("bob", "Unharmed"), "bob's message after the hostile frames")
