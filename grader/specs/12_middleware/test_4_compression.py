"""Task 4: gzip above GZIP_MIN_BYTES for clients that accept it, never for images, and streams
compressed chunk by chunk."""

import asyncio
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_status, fail
from grader.loader import LoadedApp

pytestmark = pytest.mark.task(4)

Names = Callable[[httpx.Response, str], set[str]]
Exchange = Callable[..., Awaitable[Any]]

GZIP = {"Accept-Encoding": "gzip"}


async def raw_note(client: SpecClient, size: int) -> str:
    """Create a note of `size` ASCII characters; returns the path of its raw text."""
    text = ("0123456789abcdef" * (size // 16 + 1))[:size]
    response = await client.post("/api/notes", json={"text": text})
    note = expect_status(response, 201).json()
    return f"/api/notes/{note['id']}/raw"


def expect_gzip(response: httpx.Response, names: Names, expected: bytes, why: str) -> None:
    encoding = response.headers.get("Content-Encoding")
    if encoding != "gzip":
        raise fail(f"{call(response)} {why} → expected Content-Encoding: gzip, got {encoding!r}")
    if response.content != expected:
        raise fail(f"{call(response)} {why} → the body does not gunzip to what the endpoint sent")
    if "accept-encoding" not in names(response, "Vary"):
        raise fail(
            f"{call(response)} {why} → a compressed answer needs Vary naming Accept-Encoding, "
            f"got {response.headers.get_list('Vary') or 'none'}"
        )


def expect_plain(response: httpx.Response, why: str) -> None:
    encoding = response.headers.get("Content-Encoding")
    if encoding is not None:
        raise fail(f"{call(response)} {why} → expected no Content-Encoding, got {encoding!r}")


@pytest.mark.rule("gzip-compressed", "gzip-min-size")
async def test_compressed_from_min_size(client: SpecClient, names: Names) -> None:
    """With gzip accepted, a 600-byte body (GZIP_MIN_BYTES=600) is gzipped, with Vary."""
    path = await raw_note(client, 600)
    response = expect_status(await client.get(path, headers=GZIP), 200)
    expected = ("0123456789abcdef" * 38)[:600].encode()
    expect_gzip(response, names, expected, "(600 bytes, GZIP_MIN_BYTES=600)")


@pytest.mark.rule("gzip-min-size")
async def test_not_compressed_below_min_size(client: SpecClient, names: Names) -> None:
    """A 599-byte body (and a 550-byte one) goes uncompressed; 600 bytes are compressed."""
    for size in (599, 550):
        response = expect_status(await client.get(await raw_note(client, size), headers=GZIP), 200)
        expect_plain(response, f"({size} bytes, GZIP_MIN_BYTES=600)")
    response = expect_status(await client.get(await raw_note(client, 600), headers=GZIP), 200)
    expect_gzip(response, names, response.content, "(600 bytes, GZIP_MIN_BYTES=600)")


@pytest.mark.rule("gzip-only-if-accepted")
async def test_not_compressed_without_gzip(client: SpecClient, names: Names) -> None:
    """Accept-Encoding: identity gets a plain 1000-byte body; gzip gets it compressed."""
    path = await raw_note(client, 1000)
    response = expect_status(await client.get(path, headers={"Accept-Encoding": "identity"}), 200)
    expect_plain(response, "with Accept-Encoding: identity")
    response = expect_status(await client.get(path, headers=GZIP), 200)
    expect_gzip(response, names, response.content, "(1000 bytes, gzip accepted)")


@pytest.mark.rule("gzip-not-images")
async def test_png_is_never_compressed(client: SpecClient, names: Names) -> None:
    """GET /api/logo.png (about 3 KB of image/png) is not compressed; a big JSON list is."""
    response = expect_status(await client.get("/api/logo.png", headers=GZIP), 200)
    expect_plain(response, "(image/png, compressed already)")
    if not response.content.startswith(b"\x89PNG"):
        raise fail(f"{call(response)} → the body is not the PNG image any more")
    for _ in range(3):
        await client.post("/api/notes", json={"text": "z" * 400})
    response = expect_status(await client.get("/api/notes", headers=GZIP), 200)
    expect_gzip(response, names, response.content, "(a JSON list of 3 notes of 400 characters)")


class GatedFeed:
    """Two chunks: the first at once, the second only once the spec opens the gate."""

    FIRST = b'{"id": 1, "text": "first"}\n' * 40
    LAST = b'{"id": 2, "text": "last"}\n' * 40

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.last_produced = False

    async def chunks(self) -> AsyncIterator[bytes]:
        yield self.FIRST
        await self.gate.wait()
        self.last_produced = True
        yield self.LAST


@pytest.mark.rule("gzip-streaming", "export-feed")
async def test_stream_is_compressed_chunk_by_chunk(loaded: LoadedApp, exchange: Exchange) -> None:
    """GET /api/export with gzip: the first chunk arrives, compressed, before the last exists."""
    feed = GatedFeed()
    get_feed = getattr(loaded.module, "get_export_feed", None)
    if get_feed is None:
        raise fail("main.py has no get_export_feed: the grader overrides it (grading interface)")
    loaded.app.dependency_overrides[get_feed] = lambda: feed.chunks()
    result = await exchange("GET", "/api/export", headers=[(b"accept-encoding", b"gzip")])
    where = "GET /api/export with Accept-Encoding: gzip"
    await result.wait_for(
        lambda: any(result.bodies()),
        f"{where} → no part of the body arrived while the feed waited to produce its last "
        "chunk: the response is being buffered whole",
    )
    if feed.last_produced:
        raise fail(f"{where} → the last chunk was produced before any was sent")
    if result.status != 200:
        raise fail(f"{where} → expected 200, got {result.status}")
    encoding = result.headers("content-encoding")
    if encoding != [b"gzip"]:
        raise fail(f"{where} → expected Content-Encoding: gzip, got {encoding or 'none'}")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        first = inflater.decompress(b"".join(result.bodies()))
    except zlib.error:
        raise fail(f"{where} → the first part of the body is not gzip") from None
    if first != feed.FIRST:
        raise fail(
            f"{where} → what arrived before the last chunk gunzips to {len(first)} bytes, "
            f"expected the whole first chunk ({len(feed.FIRST)} bytes): flush each chunk"
        )
    feed.gate.set()
    await result.end()
    try:
        whole = zlib.decompress(b"".join(result.bodies()), 16 + zlib.MAX_WBITS)
    except zlib.error:
        raise fail(f"{where} → the body is not valid gzip") from None
    if whole != feed.FIRST + feed.LAST:
        raise fail(f"{where} → the body does not gunzip to the two chunks of the feed")
