"""Task 1: a well-formed X-Request-ID echoed, anything else replaced by a new id; timing."""

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

import httpx
import pytest

from grader.kit import SpecClient, call, expect_status, fail
from grader.loader import LoadedApp

pytestmark = pytest.mark.task(1)

RequestId = Callable[[httpx.Response, str], str]
Tagged = Callable[[httpx.Response, str], None]
Exchange = Callable[..., Awaitable[Any]]


class Clock(Protocol):
    """The grader's clock in place of the app's `clock.py` (see conftest.py)."""

    reads: int

    def advance(self, seconds: float) -> None: ...


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
    """Two X-Request-ID headers in one request, even equal ones, are no id: a new one is made."""
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
    response = await client.get(
        "/api/notes", headers=[("X-Request-ID", "same-id"), ("X-Request-ID", "same-id")]
    )
    expect_status(response, 200)
    got = request_id(response, "answer")
    if got == "same-id" or "," in got:
        raise fail(
            f"{call(response)} with X-Request-ID: same-id sent twice → got back {got!r}: two "
            "headers are no id, even with the same value: a new id was expected"
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


# --- Server-Timing's value, by the grader's clock ---------------------------------------------
#: How far a reported duration may be from the time that passed (README: within 1 ms).
TOLERANCE_MS = 1.0
#: What a client that does not want its answers compressed sends.
IDENTITY = {"Accept-Encoding": "identity"}
DURATION = re.compile(r"app;dur=(\d+(?:\.\d+)?)")


def expect_duration(response: httpx.Response, clock: Clock, expected_ms: float, why: str) -> None:
    """Fail unless the response's Server-Timing is within 1 ms of `expected_ms`."""
    values = response.headers.get_list("Server-Timing")
    match = DURATION.fullmatch(values[0]) if len(values) == 1 else None
    if match is None:
        raise fail(
            f"{call(response)} → expected one Server-Timing: app;dur=<milliseconds>, got "
            f"{values or 'none'}"
        )
    got = float(match.group(1))
    if abs(got - expected_ms) <= TOLERANCE_MS:
        return
    unread = " (the app never called clock.now(): time it by the given clock)"
    raise fail(
        f"{call(response)} {why} → expected Server-Timing: app;dur={expected_ms:g} (within 1 ms), "
        f"got {values[0]!r}{unread if clock.reads == 0 else ''}"
    )


def override_feed(loaded: LoadedApp, dependency: Callable[..., Any]) -> None:
    get_feed = getattr(loaded.module, "get_export_feed", None)
    if get_feed is None:
        raise fail("main.py has no get_export_feed: the grader overrides it (grading interface)")
    loaded.app.dependency_overrides[get_feed] = dependency


@pytest.mark.rule("timing-value", "timing-until-start", "timing-own-request", "clock")
async def test_server_timing_counts_until_the_answer_starts(
    loaded: LoadedApp, client: SpecClient, clock: Clock
) -> None:
    """Server-Timing: the clock.now() ms from arrival to the answer's start, not to its end."""
    response = expect_status(await client.get("/api/notes"), 200)
    expect_duration(response, clock, 0, "while the clock stood still")

    async def feed() -> AsyncIterator[bytes]:
        yield b'{"id": 1, "text": "first"}\n'
        clock.advance(7.0)  # the answer has started: this is the body's time, not the app's
        yield b'{"id": 2, "text": "last"}\n'

    def slow_feed() -> AsyncIterator[bytes]:
        clock.advance(4.25)  # the endpoint's own work, before it answers
        return feed()

    override_feed(loaded, slow_feed)
    clock.advance(60.0)  # between two requests: neither of them counts it
    response = expect_status(await client.get("/api/export", headers=IDENTITY), 200)
    expect_duration(
        response,
        clock,
        4250,
        "(the endpoint took 4250 ms by clock.now() before its answer started, then 7000 ms "
        "passed between the two chunks of its body, 60 s after the previous request)",
    )


@pytest.mark.rule("timing-from-arrival", "timing-value")
async def test_server_timing_counts_the_request_body_arriving(
    client: SpecClient, clock: Clock
) -> None:
    """The time a request's body takes to arrive counts: a POST whose chunks come slowly."""

    async def slow_body(chunks: list[bytes], pauses: list[float]) -> AsyncIterator[bytes]:
        for chunk, pause in zip(chunks, [0.0, *pauses], strict=True):
            clock.advance(pause)
            yield chunk

    body = slow_body([b'{"text": "', b"arrived slowly", b'"}'], [1.5, 1.25])
    json = {"Content-Type": "application/json"}
    response = expect_status(await client.post("/api/notes", content=body, headers=json), 201)
    expect_duration(
        response,
        clock,
        2750,
        "(a chunked body whose 2nd chunk came 1500 ms and 3rd 1250 ms later by clock.now())",
    )


@pytest.mark.rule("timing-own-request", "timing-value")
async def test_server_timing_of_overlapping_requests(
    loaded: LoadedApp, client: SpecClient, clock: Clock
) -> None:
    """Two requests served at once each count their own time, not the other's."""
    entered = asyncio.Event()
    gate = asyncio.Event()

    async def one_line() -> AsyncIterator[bytes]:
        yield b'{"id": 1, "text": "late"}\n'

    async def gated_feed() -> AsyncIterator[bytes]:
        entered.set()
        await gate.wait()
        return one_line()

    override_feed(loaded, gated_feed)
    first = asyncio.ensure_future(client.get("/api/export", headers=IDENTITY))
    try:
        try:
            await asyncio.wait_for(entered.wait(), 3.0)
        except TimeoutError:
            raise fail("GET /api/export never reached the export feed") from None
        clock.advance(0.75)
        other = expect_status(await client.get("/api/notes"), 200)
        expect_duration(
            other,
            clock,
            0,
            "(sent while a GET /api/export was being served; the clock stood still during it)",
        )
        clock.advance(2.00390625)
    finally:
        gate.set()
        # The export ends once its gate opens; should it hang, the spec's own timeout says so.
        response = await first
    expect_status(response, 200)
    expect_duration(
        response,
        clock,
        2753.90625,
        "(2753.90625 ms passed by clock.now() while it waited, and a GET /api/notes came and "
        "went 750 ms after it arrived)",
    )
