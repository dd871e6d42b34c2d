"""Task 1: POST /files stores an upload and describes it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

pytestmark = pytest.mark.task(1)

Create = Callable[..., Awaitable[dict[str, Any]]]

TEXT = b"Meeting notes\n- ship the upload API\n- review the download headers\n"


async def test_upload_answers_201_with_the_file_metadata(create: Create) -> None:
    """POST /files answers 201 with id, filename, size, content_type and sha256."""
    body = await create(TEXT, "notes.txt", "text/plain")
    assert isinstance(body["id"], str) and body["id"], (
        f'POST /files → "id" should be a non-empty string, got {body["id"]!r}'
    )
    assert body["filename"] == "notes.txt", (
        f'POST /files with "notes.txt" → "filename" should be "notes.txt", got {body["filename"]!r}'
    )
    assert body["content_type"] == "text/plain", (
        f'POST /files with a text/plain file → "content_type" should be "text/plain", '
        f"got {body['content_type']!r}"
    )


async def test_upload_reports_size_and_sha256_of_the_bytes(create: Create) -> None:
    """POST /files reports the file's size in bytes and the SHA-256 of its bytes in hex."""
    body = await create(TEXT, "notes.txt", "text/plain")
    assert body["size"] == len(TEXT), (
        f'POST /files with a {len(TEXT)}-byte file → "size" should be {len(TEXT)}, '
        f"got {body['size']!r}"
    )
    expected = hashlib.sha256(TEXT).hexdigest()
    assert isinstance(body["sha256"], str) and re.fullmatch(r"[0-9a-f]{64}", body["sha256"]), (
        f'POST /files → "sha256" should be 64 lowercase hex digits, got {body["sha256"]!r}'
    )
    assert body["sha256"] == expected, (
        f'POST /files → "sha256" should be the SHA-256 of the file\'s bytes ({expected}), '
        f"got {body['sha256']}"
    )


async def test_upload_accepts_png_jpeg_pdf_and_plain_text(
    create: Create, samples: dict[str, bytes]
) -> None:
    """POST /files accepts a real PNG, JPEG, PDF and UTF-8 text file, each with its type."""
    extensions = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}
    for media_type, content in samples.items():
        name = f"sample.{extensions.get(media_type, 'txt')}"
        body = await create(content, name, media_type)
        assert body["content_type"] == media_type, (
            f'POST /files with {name} ({media_type}) → "content_type" should be '
            f'"{media_type}", got {body["content_type"]!r}'
        )
        assert body["size"] == len(content), (
            f'POST /files with {name} ({len(content)} bytes) → "size" should be '
            f"{len(content)}, got {body['size']!r}"
        )


async def test_upload_saves_the_bytes_in_storage_dir(
    create: Create,
    samples: dict[str, bytes],
    stored: Callable[[], list[bytes]],
    strays: Callable[[], list[str]],
) -> None:
    """POST /files saves the file's exact bytes in a file inside STORAGE_DIR, and nowhere else."""
    image = samples["image/png"]
    await create(image, "pixel.png", "image/png")
    assert image in stored(), (
        "POST /files with pixel.png → no file inside STORAGE_DIR holds the uploaded bytes"
    )
    outside = strays()
    assert not outside, (
        f"POST /files → the app wrote files outside STORAGE_DIR: {', '.join(outside)}"
    )


async def test_each_upload_gets_its_own_id(create: Create) -> None:
    """POST /files gives every upload a new id, even when the name and bytes are the same."""
    first = await create(TEXT, "notes.txt", "text/plain")
    second = await create(TEXT, "notes.txt", "text/plain")
    assert first["id"] != second["id"], (
        f'POST /files twice with the same file → both answers have "id" {first["id"]!r}'
    )
