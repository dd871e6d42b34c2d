"""Task 5: request bodies over MAX_BODY_BYTES refused with 413 however their length is told,
and only the ALLOWED_HOSTS served."""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, expect_object, expect_status, fail

pytestmark = pytest.mark.task(5)

Exchange = Callable[..., Awaitable[Any]]

LIMIT = 1024


def note_body(size: int) -> bytes:
    """A valid POST /api/notes body of exactly `size` bytes."""
    body = json.dumps({"text": "x" * (size - len(json.dumps({"text": ""})))}).encode()
    assert len(body) == size, f"note_body({size}) made {len(body)} bytes"
    return body


async def chunked(body: bytes, size: int = 100) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def note_count(client: SpecClient) -> int:
    return len(expect_list(await client.get("/api/notes"), 200))


def expect_refused(response: httpx.Response, why: str) -> None:
    if response.status_code != 413:
        raise fail(f"{call(response)} {why} → expected 413, got {response.status_code}")
    expect_object(response, 413, "detail")


async def expect_no_note(client: SpecClient, why: str) -> None:
    count = await note_count(client)
    if count:
        raise fail(
            f"POST /api/notes {why} → 413 expected and no note created, but GET "
            f"/api/notes lists {count}: the endpoint ran"
        )


@pytest.mark.rule("body-limit", "body-limit-edge")
async def test_limit_and_one_byte_over(client: SpecClient) -> None:
    """A 1024-byte body (MAX_BODY_BYTES=1024) is accepted; 1025 bytes answer 413, no note."""
    headers = {"Content-Type": "application/json"}
    response = await client.post("/api/notes", content=note_body(LIMIT), headers=headers)
    expect_status(response, 201)
    response = await client.post("/api/notes", content=note_body(LIMIT + 1), headers=headers)
    expect_refused(response, "with a 1025-byte body (MAX_BODY_BYTES=1024)")
    count = await note_count(client)
    if count != 1:
        raise fail(
            f"after one accepted and one refused POST /api/notes, GET /api/notes lists "
            f"{count} notes, expected 1"
        )


@pytest.mark.rule("body-limit", "body-limit-declared")
async def test_declared_length_refused_without_reading(exchange: Exchange) -> None:
    """Content-Length: 5000 answers 413 at once, before any byte of the body arrives."""
    result = await exchange(
        "POST",
        "/api/notes",
        headers=[(b"content-type", b"application/json"), (b"content-length", b"5000")],
        body=None,
    )
    await result.wait_for(
        lambda: result.status is not None,
        "POST /api/notes with Content-Length: 5000 (MAX_BODY_BYTES=1024), body not sent yet "
        "→ no answer: the app waited for a body it should have refused by its length",
    )
    if result.status != 413:
        raise fail(f"POST /api/notes with Content-Length: 5000 → expected 413, got {result.status}")


@pytest.mark.rule("body-limit", "body-limit-chunked")
async def test_chunked_body_is_counted(client: SpecClient) -> None:
    """A chunked body (no Content-Length) of 2000 or 1025 bytes answers 413; of 1024, 201."""
    headers = {"Content-Type": "application/json"}
    response = await client.post("/api/notes", content=chunked(note_body(2000)), headers=headers)
    expect_refused(response, "with a chunked 2000-byte body, no Content-Length")
    await expect_no_note(client, "with a chunked 2000-byte body")
    response = await client.post("/api/notes", content=chunked(note_body(LIMIT)), headers=headers)
    expect_status(response, 201)
    response = await client.post(
        "/api/notes", content=chunked(note_body(LIMIT + 1)), headers=headers
    )
    expect_refused(response, "with a chunked 1025-byte body, no Content-Length")


@pytest.mark.rule("body-limit", "body-limit-lying")
async def test_lying_content_length_is_not_believed(exchange: Exchange) -> None:
    """Content-Length: 10 with 2000 bytes answers 413, with 1024 bytes 201: bytes received count."""
    result = await exchange(
        "POST",
        "/api/notes",
        headers=[(b"content-type", b"application/json"), (b"content-length", b"10")],
        body=note_body(2000),
    )
    await result.end()
    if result.status != 413:
        raise fail(
            f"POST /api/notes with Content-Length: 10 and a 2000-byte body → expected "
            f"413, got {result.status}"
        )
    result = await exchange(
        "POST",
        "/api/notes",
        headers=[(b"content-type", b"application/json"), (b"content-length", b"10")],
        body=note_body(LIMIT),
    )
    await result.end()
    if result.status != 201:
        raise fail(
            f"POST /api/notes with Content-Length: 10 and a 1024-byte body (MAX_BODY_BYTES="
            f"1024) → expected 201, got {result.status}: the bytes received are within the limit"
        )


@pytest.mark.rule("body-limit")
async def test_lying_content_length_creates_no_note(client: SpecClient) -> None:
    """After a refused body with a lying Content-Length, no note exists."""
    body = note_body(2000)
    headers = {"Content-Type": "application/json", "Content-Length": "10"}
    response = await client.post("/api/notes", content=body, headers=headers)
    expect_refused(response, "with Content-Length: 10 and a 2000-byte body")
    await expect_no_note(client, "with Content-Length: 10 and a 2000-byte body")


@pytest.mark.rule("trusted-hosts")
async def test_only_allowed_hosts_are_served(client: SpecClient) -> None:
    """api.example.com (any port) and testserver are served; look-alike hosts answer 400."""
    for host in ("api.example.com", "api.example.com:8443", "testserver"):
        response = await client.get("/api/notes", headers={"Host": host})
        if response.status_code != 200:
            raise fail(
                f"GET /api/notes with Host: {host} (allowed) → expected 200, got "
                f"{response.status_code}"
            )
    for host in (
        "evil.example",
        "api.example.com.evil.example",
        "example.com",
        "evil.example:80",
        "xapi.example.com",
    ):
        response = await client.get("/api/notes", headers={"Host": host})
        if response.status_code != 400:
            raise fail(
                f"GET /api/notes with Host: {host} (not in ALLOWED_HOSTS) → expected "
                f"400, got {response.status_code}"
            )
