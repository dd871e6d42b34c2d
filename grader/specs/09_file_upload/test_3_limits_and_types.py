"""Task 3: the size limit and the allow-list of types, checked against the bytes themselves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, expect_object

pytestmark = pytest.mark.task(3)

Upload = Callable[..., Awaitable[httpx.Response]]

HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"


def text_of(size: int) -> bytes:
    """`size` bytes of printable ASCII text, recognisable by its start."""
    line = b"0123456789 the quick brown fox jumps over the lazy dog\n"
    return (line * (size // len(line) + 1))[:size]


async def test_file_one_byte_over_the_limit_answers_413(upload: Upload, limit: int) -> None:
    """POST /files with a file of MAX_UPLOAD_BYTES + 1 bytes answers 413."""
    await upload(text_of(limit + 1), "big.txt", "text/plain", expect=413)


async def test_chunked_upload_over_the_limit_answers_413(upload: Upload, limit: int) -> None:
    """POST /files answers 413 for a file over the limit sent chunked, with no Content-Length."""
    await upload(text_of(limit + 1), "big.txt", "text/plain", chunked=True, expect=413)


async def test_file_exactly_at_the_limit_is_accepted(upload: Upload, limit: int) -> None:
    """POST /files accepts a file of exactly MAX_UPLOAD_BYTES bytes (201)."""
    response = await upload(text_of(limit), "exact.txt", "text/plain", expect=201)
    body = expect_object(response, 201, "size")
    assert body["size"] == limit, (
        f'{call(response)} with a {limit}-byte file → "size" should be {limit}, '
        f"got {body['size']!r}"
    )


async def test_html_declared_as_png_answers_415(upload: Upload) -> None:
    """POST /files answers 415 for an HTML page sent as image/png: the bytes are checked."""
    await upload(HTML, "cat.png", "image/png", expect=415)


async def test_jpeg_declared_as_png_answers_415(upload: Upload, samples: dict[str, bytes]) -> None:
    """POST /files answers 415 for JPEG bytes sent as image/png: the type must match the bytes."""
    await upload(samples["image/jpeg"], "photo.png", "image/png", expect=415)


async def test_binary_declared_as_text_answers_415(
    upload: Upload, samples: dict[str, bytes]
) -> None:
    """POST /files answers 415 for text/plain that is not UTF-8 or contains a NUL byte."""
    await upload(samples["image/png"], "image.txt", "text/plain", expect=415)
    await upload(b"looks like text\x00but has a NUL byte\n", "nul.txt", "text/plain", expect=415)


async def test_type_outside_the_allow_list_answers_415(upload: Upload) -> None:
    """POST /files answers 415 for types not on the allow-list (HTML, GIF, octet-stream)."""
    await upload(HTML, "page.html", "text/html", expect=415)
    await upload(b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "anim.gif", "image/gif", expect=415)
    await upload(b"plain words\n", "data.bin", "application/octet-stream", expect=415)


async def test_declared_type_parameters_and_case_are_ignored(
    upload: Upload, samples: dict[str, bytes]
) -> None:
    """POST /files accepts "text/plain; charset=utf-8" and "IMAGE/PNG", reporting the bare type."""
    cases = (
        (samples["text/plain"], "notes.txt", "text/plain; charset=utf-8", "text/plain"),
        (samples["image/png"], "pixel.png", "IMAGE/PNG", "image/png"),
    )
    for content, name, declared, expected in cases:
        response = await upload(content, name, declared, expect=201)
        body = expect_object(response, 201, "content_type")
        assert body["content_type"] == expected, (
            f'{call(response)} with {name} sent as "{declared}" → "content_type" should be '
            f'"{expected}", got {body["content_type"]!r}'
        )


async def test_refused_upload_leaves_nothing_behind(
    client: SpecClient,
    upload: Upload,
    limit: int,
    stored: Callable[[], list[bytes]],
) -> None:
    """A refused upload (413 or 415) leaves no file in STORAGE_DIR and none in GET /files."""
    await upload(text_of(limit + 1), "big.txt", "text/plain", expect=413)
    await upload(HTML, "cat.png", "image/png", expect=415)
    # A refused file may have been cut short anywhere, even before its first byte was written.
    prefixes = (b"", text_of(10), HTML[:10])
    leftovers = [content for content in stored() if content[:10] in prefixes]
    assert not leftovers, (
        f"POST /files answered 413 and 415, but STORAGE_DIR still holds {len(leftovers)} "
        "file(s) with (part of) the refused bytes"
    )
    response = await client.get("/files")
    listed: list[Any] = expect_list(response)
    assert not listed, f"{call(response)} after two refused uploads → expected [], got {listed}"
