"""Task 3: the size limit and the allow-list of types, checked against the bytes themselves."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_list, expect_object

pytestmark = pytest.mark.task(3)

Upload = Callable[..., Awaitable[httpx.Response]]

HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"


def text_of(size: int) -> bytes:
    """`size` bytes of printable ASCII text, recognisable by its start."""
    line = b"0123456789 the quick brown fox jumps over the lazy dog\n"
    return (line * (size // len(line) + 1))[:size]


@pytest.mark.rule("size-limit")
async def test_file_one_byte_over_the_limit_answers_413(upload: Upload, limit: int) -> None:
    """POST /files with a file of MAX_UPLOAD_BYTES + 1 bytes answers 413."""
    await upload(text_of(limit + 1), "big.txt", "text/plain", expect=413)


@pytest.mark.rule("count-received-bytes")
async def test_chunked_upload_over_the_limit_answers_413(upload: Upload, limit: int) -> None:
    """POST /files answers 413 for a file over the limit sent chunked, with no Content-Length."""
    await upload(text_of(limit + 1), "big.txt", "text/plain", chunked=True, expect=413)


@pytest.mark.rule("size-limit", "size-counts-file-bytes")
async def test_file_exactly_at_the_limit_is_accepted(upload: Upload, limit: int) -> None:
    """POST /files accepts a file of exactly MAX_UPLOAD_BYTES bytes (201)."""
    response = await upload(text_of(limit), "exact.txt", "text/plain", expect=201)
    body = expect_object(response, 201, "size")
    assert body["size"] == limit, (
        f'{call(response)} with a {limit}-byte file → "size" should be {limit}, '
        f"got {body['size']!r}"
    )


@pytest.mark.rule("bytes-match-type", "refused-415")
async def test_html_declared_as_png_answers_415(upload: Upload) -> None:
    """POST /files answers 415 for an HTML page sent as image/png: the bytes are checked."""
    await upload(HTML, "cat.png", "image/png", expect=415)


@pytest.mark.rule("bytes-match-type", "refused-415")
async def test_jpeg_declared_as_png_answers_415(upload: Upload, samples: dict[str, bytes]) -> None:
    """POST /files answers 415 for JPEG bytes sent as image/png: the type must match the bytes."""
    await upload(samples["image/jpeg"], "photo.png", "image/png", expect=415)


@pytest.mark.rule("text-plain-rule", "refused-415")
async def test_binary_declared_as_text_answers_415(
    upload: Upload, samples: dict[str, bytes]
) -> None:
    """POST /files answers 415 for text/plain that is not UTF-8 or contains a NUL byte."""
    await upload(samples["image/png"], "image.txt", "text/plain", expect=415)
    await upload(b"looks like text\x00but has a NUL byte\n", "nul.txt", "text/plain", expect=415)


@pytest.mark.rule("types-allowed", "refused-415")
async def test_type_outside_the_allow_list_answers_415(upload: Upload) -> None:
    """POST /files answers 415 for types not on the allow-list (HTML, GIF, octet-stream)."""
    await upload(HTML, "page.html", "text/html", expect=415)
    await upload(b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "anim.gif", "image/gif", expect=415)
    await upload(b"plain words\n", "data.bin", "application/octet-stream", expect=415)


@pytest.mark.rule("content-type-bare", "bytes-match-type")
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


@pytest.mark.rule("refused-leaves-nothing", "either-status")
async def test_refused_upload_leaves_nothing_behind(
    client: SpecClient,
    upload: Upload,
    limit: int,
    stored: Callable[[], list[bytes]],
    strays: Callable[[], list[str]],
) -> None:
    """A refused upload (413 or 415) leaves no file in STORAGE_DIR and none in GET /files."""
    await upload(text_of(limit + 1), "big.txt", "text/plain", expect=413)
    await upload(HTML, "cat.png", "image/png", expect=415)
    await upload(text_of(limit + 1), "big-chunked.txt", "text/plain", chunked=True, expect=413)
    both = await upload(HTML * 20, "huge.png", "image/png", expect=None)
    assert both.status_code in (413, 415), (
        f"{call(both)} with {len(HTML) * 20} bytes of HTML sent as image/png → expected 413 or "
        f"415, got {both.status_code}"
    )
    # A refused file may have been cut short anywhere, even before its first byte was written.
    prefixes = (b"", text_of(10), HTML[:10])
    leftovers = [content for content in stored() if content[:10] in prefixes]
    assert not leftovers, (
        f"POST /files answered 413 and 415, but STORAGE_DIR still holds {len(leftovers)} "
        "file(s) with (part of) the refused bytes"
    )
    response = await client.get("/files")
    listed: list[Any] = expect_list(response)
    assert not listed, f"{call(response)} after four refused uploads → expected [], got {listed}"
    outside = strays()
    assert not outside, f"refused uploads → the app wrote files outside STORAGE_DIR: {outside}"


@pytest.mark.rule("count-received-bytes", "size-limit")
async def test_chunked_upload_at_the_limit_is_accepted(upload: Upload, limit: int) -> None:
    """POST /files accepts a file of exactly MAX_UPLOAD_BYTES sent chunked (no Content-Length)."""
    response = await upload(text_of(limit), "exact.txt", "text/plain", chunked=True, expect=201)
    body = expect_object(response, 201, "size")
    assert body["size"] == limit, (
        f'{call(response)} with a {limit}-byte file, chunked → "size" should be {limit}, '
        f"got {body['size']!r}"
    )


@pytest.mark.rule("count-received-bytes")
async def test_lying_content_length_answers_413(upload: Upload, limit: int) -> None:
    """POST /files answers 413 for a file over the limit sent with a lying Content-Length: 500."""
    await upload(text_of(limit + 1), "liar.txt", "text/plain", content_length=500, expect=413)


@pytest.mark.rule("sig-png", "sig-jpeg", "sig-pdf", "empty-text")
async def test_signatures_are_checked_to_their_last_byte(upload: Upload) -> None:
    """Each signature alone is enough (201); one byte short or one byte wrong answers 415."""
    signatures = {
        "image/png": b"\x89PNG\r\n\x1a\n",
        "image/jpeg": b"\xff\xd8\xff",
        "application/pdf": b"%PDF-",
    }
    tail = b"\x00\x01 rest of the file"
    for media_type, signature in signatures.items():
        await upload(signature, "signature-only", media_type, expect=201)
        await upload(signature + tail, "signature-and-more", media_type, expect=201)
        await upload(signature[:-1], "one-byte-short", media_type, expect=415)
        wrong_last = signature[:-1] + bytes([signature[-1] ^ 0x20]) + tail
        await upload(wrong_last, "last-byte-wrong", media_type, expect=415)
        wrong_first = bytes([signature[0] ^ 0x01]) + signature[1:] + tail
        await upload(wrong_first, "first-byte-wrong", media_type, expect=415)


@pytest.mark.rule("text-plain-rule", "empty-text")
async def test_text_must_be_utf8_without_nul_to_the_last_byte(upload: Upload) -> None:
    """text/plain with invalid UTF-8 or a NUL anywhere answers 415; an empty file is fine (201)."""
    response = await upload(b"", "empty.txt", "text/plain", expect=201)
    body = expect_object(response, 201, "size", "sha256")
    assert body["size"] == 0 and body["sha256"] == hashlib.sha256(b"").hexdigest(), (
        f'{call(response)} with an empty file → expected "size" 0 and the SHA-256 of no bytes, '
        f"got {body['size']!r} and {body['sha256']!r}"
    )
    refused = {
        "a NUL first": b"\x00starts with NUL\n",
        "a NUL last": b"ends with NUL\n\x00",
        "Latin-1 text": "café au lait\n".encode("latin-1"),
        "a lone continuation byte": b"odd \x80 byte\n",
        "an overlong encoding": b"slash \xc0\xaf here\n",
        "a UTF-16 surrogate": b"half \xed\xa0\x80 a pair\n",
        "a character cut short at the end": "price: 5 €".encode()[:-1],
        "an 0xFF byte last": b"almost text\n\xff",
    }
    for what, content in refused.items():
        response = await upload(content, "bad.txt", "text/plain", expect=None)
        assert response.status_code == 415, (
            f"{call(response)} with text/plain holding {what} ({content!r}) → expected 415, "
            f"got {response.status_code}: {body_excerpt(response)}"
        )


@pytest.mark.rule("types-allowed")
async def test_declared_types_close_to_allowed_ones_answer_415(
    upload: Upload, samples: dict[str, bytes]
) -> None:
    """Types that merely contain an allowed one (text/plainx, xtext/plain, …) answer 415."""
    text = samples["text/plain"]
    for declared in (
        "text/plainx",
        "xtext/plain",
        "text/plain+html",
        "text/html; x=text/plain",
        "text/html, text/plain",
        "text",
        "",
    ):
        await upload(text, "close.txt", declared, expect=415)
    await upload(samples["image/png"], "close.png", "image/png2", expect=415)


@pytest.mark.large
@pytest.mark.rule("whole-file-counts", "refused-leaves-nothing")
async def test_whole_large_text_file_is_checked(
    client: SpecClient, upload: Upload, stored: Callable[[], list[bytes]]
) -> None:
    """A 3 MiB text file is valid across chunk edges; a NUL or bad byte at its very end is a 415."""
    euros = "€".encode() * (3 * 1024 * 1024 // 3)
    await upload(euros, "euros.txt", "text/plain", expect=201)
    refused = {
        "a NUL as its last byte": euros[:-1] + b"\x00",
        "an invalid byte as its last byte": euros[:-1] + b"\xff",
        "its last character cut short": euros[:-1],
    }
    for what, content in refused.items():
        response = await upload(content, "bad.txt", "text/plain", expect=None)
        assert response.status_code == 415, (
            f"{call(response)} with 3 MiB of UTF-8 text and {what} → expected 415, got "
            f"{response.status_code}: the whole file must be valid UTF-8 with no NUL"
        )
    leftovers = [content for content in stored() if content != euros]
    assert not leftovers, (
        f"POST /files answered 415 for large text files, but STORAGE_DIR still holds "
        f"{len(leftovers)} file(s) of their bytes"
    )
    listed = expect_list(await client.get("/files"))
    assert len(listed) == 1, f"GET /files after one accepted upload → expected 1 file, got {listed}"
