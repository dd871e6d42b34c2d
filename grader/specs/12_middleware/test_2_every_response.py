"""Task 2: the request id, timing and security headers on every response, errors included."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, expect_status, fail
from grader.loader import LoadedApp

pytestmark = pytest.mark.task(2)

Tagged = Callable[[httpx.Response, str], None]
RequestId = Callable[[httpx.Response, str], str]
Exchange = Callable[..., Awaitable[Any]]

ALLOWED = "https://app.example.com"


@pytest.mark.rule("every-response", "security-headers")
async def test_headers_on_success(client: SpecClient, tagged: Tagged) -> None:
    """A 201 (POST /api/notes) and a 200 (GET /api/notes) carry every header of tasks 1 and 2."""
    response = expect_status(await client.post("/api/notes", json={"text": "hello"}), 201)
    tagged(response, "answer")
    response = expect_status(await client.get("/api/notes"), 200)
    tagged(response, "answer")


@pytest.mark.rule("every-response", "security-headers", "errors-tagged")
async def test_headers_on_not_found(client: SpecClient, tagged: Tagged) -> None:
    """A 404 for an unknown path and for an unknown note carries every header."""
    tagged(expect_status(await client.get("/nowhere"), 404), "answer to an unknown path")
    tagged(expect_status(await client.get("/api/notes/99"), 404), "answer to an unknown note")


@pytest.mark.rule("every-response", "security-headers", "errors-tagged")
async def test_headers_on_405_and_422(client: SpecClient, tagged: Tagged) -> None:
    """A 405 (DELETE /api/notes) and a 422 (empty text, a non-integer id) carry every header."""
    tagged(expect_status(await client.delete("/api/notes"), 405), "answer")
    response = await client.post("/api/notes", json={"text": ""})
    tagged(expect_status(response, 422), "answer")
    tagged(expect_status(await client.get("/api/notes/abc"), 422), "answer")


@pytest.mark.rule("every-response", "security-headers", "server-error", "500-body")
async def test_unhandled_error_is_a_tagged_500(
    lenient: SpecClient, tagged: Tagged, request_id: RequestId
) -> None:
    """GET /api/boom answers 500 with every header and {"detail", "request_id"} in JSON."""
    response = await lenient.get("/api/boom")
    body = expect_object(response, 500, "detail", "request_id")
    tagged(response, "answer to an endpoint that raised")
    if body["detail"] != "Internal Server Error":
        raise fail(f'{call(response)} → expected "detail": "Internal Server Error", got {body}')
    sent = "trace-500.a_b"
    response = await lenient.get("/api/boom", headers={"X-Request-ID": sent})
    body = expect_object(response, 500, "detail", "request_id")
    got = request_id(response, "answer to an endpoint that raised")
    if got != sent or body["request_id"] != sent:
        raise fail(
            f"{call(response)} with X-Request-ID: {sent} → X-Request-ID {got!r}, body "
            f"request_id {body['request_id']!r}: both must be {sent!r}"
        )


@pytest.mark.rule("every-response", "security-headers", "server-error", "500-body")
async def test_500_body_names_the_generated_id(lenient: SpecClient, request_id: RequestId) -> None:
    """Without an incoming id, the 500's body request_id is the id in its X-Request-ID."""
    response = await lenient.get("/api/boom")
    body = expect_object(response, 500, "request_id")
    got = request_id(response, "answer to an endpoint that raised")
    if body["request_id"] != got:
        raise fail(
            f"{call(response)} → body request_id {body['request_id']!r} differs from "
            f"X-Request-ID {got!r}"
        )


@pytest.mark.rule("every-response", "security-headers", "errors-tagged")
async def test_headers_on_413_and_bad_host(client: SpecClient, tagged: Tagged) -> None:
    """A 413 (body too large) and a 400 (untrusted Host) carry every header."""
    response = await client.post("/api/notes", json={"text": "x" * 2000})
    tagged(expect_status(response, 413), "answer to a body over MAX_BODY_BYTES")
    response = await client.get("/api/notes", headers={"Host": "evil.example"})
    tagged(expect_status(response, 400), "answer to Host: evil.example")


@pytest.mark.rule("every-response", "security-headers", "errors-tagged")
async def test_headers_on_preflights(client: SpecClient, tagged: Tagged) -> None:
    """A CORS preflight, accepted (200) or refused (400), carries every header."""
    asked = {"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}
    tagged(expect_status(await client.options("/api/notes", headers=asked), 200), "preflight")
    refused = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    response = await client.options("/api/notes", headers=refused)
    tagged(expect_status(response, 400), "refused preflight")


@pytest.mark.rule("every-response", "security-headers")
async def test_headers_on_a_stream(client: SpecClient, tagged: Tagged) -> None:
    """A streamed answer (GET /api/export) carries every header."""
    await client.post("/api/notes", json={"text": "streamed"})
    tagged(expect_status(await client.get("/api/export"), 200), "streamed answer")


@pytest.mark.rule("security-headers", "hsts", "nosniff", "csp", "referrer")
async def test_security_headers_on_an_image_and_a_text_404(client: SpecClient) -> None:
    """Each security header appears once, with the README's value, on answers of every kind."""
    for path, status in (("/api/logo.png", 200), ("/api/notes/1/raw", 404)):
        response = expect_status(await client.get(path), status)
        for name, expected in {
            "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "frame-ancestors 'none'",
            "Referrer-Policy": "no-referrer",
        }.items():
            values = response.headers.get_list(name)
            if values != [expected]:
                raise fail(f"{call(response)} → expected one {name}: {expected}, got {values}")


async def failing_feed() -> AsyncIterator[bytes]:
    yield b'{"id": 1, "text": "first"}\n'
    raise RuntimeError("the export broke half-way")


@pytest.mark.rule("every-response", "failure-after-start")
async def test_failure_mid_stream_sends_no_second_answer(
    loaded: LoadedApp, exchange: Exchange
) -> None:
    """A stream that fails after its first chunk gets no 500 on top of its 200: one start only."""
    get_feed = getattr(loaded.module, "get_export_feed", None)
    if get_feed is None:
        raise fail("main.py has no get_export_feed: the grader overrides it (grading interface)")
    loaded.app.dependency_overrides[get_feed] = lambda: failing_feed()
    result = await exchange("GET", "/api/export", headers=[(b"accept-encoding", b"identity")])
    await result.settle()
    where = "GET /api/export, whose feed raises after its first chunk"
    if result.status != 200:
        raise fail(f"{where} → expected the stream's 200 to start, got {result.status}")
    if not result.headers("x-request-id"):
        raise fail(f"{where} → the 200 that started the stream has no X-Request-ID header")
    if result.starts() != 1:
        raise fail(
            f"{where} → {result.starts()} response starts were sent: once the 200 is out, "
            "a 500 cannot follow it (re-raise instead)"
        )
