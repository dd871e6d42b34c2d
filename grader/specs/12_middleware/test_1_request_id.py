"""Task 1: a well-formed X-Request-ID echoed, anything else replaced by a new id; timing."""

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_status, fail

pytestmark = pytest.mark.task(1)

RequestId = Callable[[httpx.Response, str], str]
Tagged = Callable[[httpx.Response, str], None]
Exchange = Callable[..., Awaitable[Any]]

GOOD_IDS = ["x", "abc-123", "A_b.C-d", "7f3c9a2e-1b4d-4c8e-9f6a-0123456789ab", "a" * 64]
BAD_IDS: list[bytes] = [
    b"",
    b"a" * 65,
    b"has space",
    b"a:b",
    b"a/b",
    b"<script>",
    "caf\u00e9".encode(),
    b"caf\xe9",  # é in Latin-1: a letter to str.isalnum(), but not an ASCII one
    b"id\xb2",  # ²: a digit to str.isalnum(), but not an ASCII one
    b"abc\tdef",
]


@pytest.mark.rule("echo-valid", "one-each")
async def test_well_formed_id_is_echoed(client: SpecClient, request_id: RequestId) -> None:
    """A well-formed X-Request-ID (1 to 64 of A-Z a-z 0-9 - _ .) comes back unchanged."""
    for sent in GOOD_IDS:
        # Other headers around it, named either side of it in sort order, change nothing.
        headers = [("Accept", "*/*"), ("X-Request-ID", sent), ("X-Session", "s-1")]
        response = expect_status(await client.get("/api/notes", headers=headers), 200)
        got = request_id(response, "answer")
        if got != sent:
            raise fail(f"{call(response)} with X-Request-ID: {sent!r} → got back {got!r}")


@pytest.mark.rule("generate", "generated-unique")
async def test_missing_id_is_generated_and_unique(
    client: SpecClient, request_id: RequestId
) -> None:
    """Without X-Request-ID, each response gets a new well-formed id, different every time."""
    seen: set[str] = set()
    for _ in range(20):
        response = expect_status(await client.get("/api/notes"), 200)
        seen.add(request_id(response, "answer"))
    if len(seen) != 20:
        raise fail(
            f"20 × GET /api/notes without X-Request-ID → only {len(seen)} different ids: "
            "every request must get a new one"
        )


@pytest.mark.rule("generate", "never-echo-bad")
async def test_malformed_ids_are_replaced(client: SpecClient, request_id: RequestId) -> None:
    """An empty, overlong (65), spaced, ':', '/', '<', tab or non-ASCII id is replaced."""
    for sent in BAD_IDS:
        response = await client.get("/api/notes", headers={b"X-Request-ID": sent})
        expect_status(response, 200)
        got = request_id(response, "answer")
        text = sent.decode("latin-1")
        if got == text or (text and text.startswith(got)) or (got and got in text):
            raise fail(
                f"{call(response)} with X-Request-ID: {sent!r} (not well-formed) → got "
                f"back {got!r}: a new id was expected, not the client's"
            )


@pytest.mark.rule("generate", "never-echo-bad")
async def test_two_ids_are_replaced(client: SpecClient, request_id: RequestId) -> None:
    """Two X-Request-ID headers in one request are no id: the response gets a new one."""
    response = await client.get(
        "/api/notes", headers=[("X-Request-ID", "first-id"), ("X-Request-ID", "second-id")]
    )
    expect_status(response, 200)
    got = request_id(response, "answer")
    if got in {"first-id", "second-id"} or "," in got:
        raise fail(
            f"{call(response)} with X-Request-ID sent twice (first-id, second-id) → got back "
            f"{got!r}: a new id was expected"
        )


@pytest.mark.rule("never-echo-bad", "one-each")
async def test_crlf_in_id_never_reaches_the_response(exchange: Exchange) -> None:
    """An X-Request-ID holding CR LF Set-Cookie is replaced: no injected header comes back."""
    sent = b"abc\r\nSet-Cookie: session=evil"
    result = await exchange("GET", "/api/notes", headers=[(b"x-request-id", sent)])
    await result.end()
    where = "GET /api/notes with X-Request-ID: 'abc\\r\\nSet-Cookie: session=evil'"
    ids = result.headers("x-request-id")
    if len(ids) != 1:
        raise fail(f"{where} → expected exactly one X-Request-ID header, got {ids}")
    got = ids[0]
    if b"\r" in got or b"\n" in got or b"abc" == got or b"session" in got:
        raise fail(f"{where} → X-Request-ID came back as {got!r}: a new id was expected")
    if not re.fullmatch(rb"[A-Za-z0-9._-]{1,64}", got):
        raise fail(f"{where} → X-Request-ID must be 1 to 64 of A-Z a-z 0-9 - _ ., got {got!r}")
    if result.headers("set-cookie"):
        raise fail(f"{where} → the response carries Set-Cookie: the header was injected")


@pytest.mark.rule("server-timing-form", "one-each")
async def test_server_timing_on_every_response(client: SpecClient, tagged: Tagged) -> None:
    """Every response carries one Server-Timing: app;dur=<milliseconds> (200 and 404 alike)."""
    response = expect_status(await client.get("/api/notes"), 200)
    tagged(response, "answer")
    response = expect_status(await client.get("/api/nowhere"), 404)
    tagged(response, "answer to an unknown path")
