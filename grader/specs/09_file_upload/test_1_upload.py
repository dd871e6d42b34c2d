"""Task 1: POST /files stores an upload and describes it."""

from __future__ import annotations

import array
import asyncio
import hashlib
import re
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from contextlib import closing
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_list, expect_object, expect_status

if TYPE_CHECKING:
    from grader.specs.conftest import World

pytestmark = pytest.mark.task(1)

Create = Callable[..., Awaitable[dict[str, Any]]]
Upload = Callable[..., Awaitable[httpx.Response]]

FIELDS = ("id", "filename", "size", "content_type", "sha256")
#: The most a single read from the upload may return (the README's grading interface).
MOST_PER_READ = 1024 * 1024

TEXT = b"Meeting notes\n- ship the upload API\n- review the download headers\n"


@pytest.mark.rule("upload-201", "field-id", "field-filename", "field-content-type")
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


@pytest.mark.rule("field-sha256", "field-size")
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


@pytest.mark.rule("field-content-type", "field-size", "field-sha256")
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
        digest = hashlib.sha256(content).hexdigest()
        assert body["sha256"] == digest, (
            f'POST /files with {name} → "sha256" should be the SHA-256 of its bytes ({digest}), '
            f"got {body['sha256']!r}"
        )


@pytest.mark.rule(
    "bytes-in-storage", "writes-nowhere-else", "setting-storage-dir", "setting-database-url"
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


@pytest.mark.rule("two-uploads-two-ids", "field-id")
async def test_each_upload_gets_its_own_id(create: Create) -> None:
    """POST /files gives every upload a new id, even when the name and bytes are the same."""
    first = await create(TEXT, "notes.txt", "text/plain")
    second = await create(TEXT, "notes.txt", "text/plain")
    assert first["id"] != second["id"], (
        f'POST /files twice with the same file → both answers have "id" {first["id"]!r}'
    )


@pytest.mark.rule("field-id")
async def test_id_is_not_made_from_the_name(create: Create) -> None:
    """POST /files makes up the id: it is not derived from the file's name."""
    body = await create(TEXT, "Quokka Zebra.txt", "text/plain")
    lowered = str(body["id"]).lower()
    assert "quokka" not in lowered and "zebra" not in lowered, (
        f'POST /files with "Quokka Zebra.txt" → "id" {body["id"]!r} is made from the name; '
        "the server makes ids up"
    )


@pytest.mark.rule("no-mass-assignment")
async def test_client_cannot_choose_server_fields(
    client: SpecClient, upload: Upload, samples: dict[str, bytes]
) -> None:
    """Extra form fields and query parameters (id, size, sha256, ...) are ignored by POST /files."""
    chosen = {
        "id": "chosen-by-client",
        "filename": "chosen.pdf",
        "size": "1",
        "sha256": "0" * 64,
        "content_type": "application/pdf",
    }
    content = samples["text/plain"]
    for sent in ({"fields": chosen}, {"params": chosen}):
        where = "form fields" if "fields" in sent else "query parameters"
        response = await upload(content, "mine.txt", "text/plain", **sent)
        body = expect_object(response, 201, *FIELDS)
        expected = {
            "filename": "mine.txt",
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "content_type": "text/plain",
        }
        for field, value in expected.items():
            assert body[field] == value, (
                f'{call(response)} with {where} {field}={chosen[field]!r} → "{field}" should be '
                f"{value!r} (the server's), got {body[field]!r}"
            )
        assert body["id"] != chosen["id"], (
            f'{call(response)} with {where} id="chosen-by-client" → the client chose the "id"'
        )
    expect_status(await client.get("/files/chosen-by-client"), 404, 422)


@pytest.mark.rule("concurrent-uploads")
async def test_concurrent_uploads_each_get_their_own_file(
    client: SpecClient,
    upload: Upload,
    start_together: Callable[[int], None],
    thread_switches: None,
) -> None:
    """12 uploads sent at the same time get 12 ids, and each id downloads its own bytes."""
    contents = [f"upload number {n} of twelve\n".encode() * (n + 1) for n in range(12)]
    start_together(len(contents))
    responses = await asyncio.gather(
        *(upload(content, "same-name.txt", "text/plain") for content in contents)
    )
    ids = [expect_object(response, 201, "id")["id"] for response in responses]
    assert len(set(ids)) == len(ids), (
        f"12 concurrent POST /files → only {len(set(ids))} distinct ids: {ids}"
    )
    for file_id, content in zip(ids, contents, strict=True):
        response = expect_status(await client.get(f"/files/{file_id}"), 200)
        assert response.content == content, (
            f"{call(response)} → got {response.content[:40]!r}…, expected {content[:40]!r}… "
            "(12 uploads at the same time must not overwrite each other)"
        )


@pytest.mark.large
@pytest.mark.rule("copy-in-chunks", "chunks-watched", "setting-max-upload")
async def test_upload_is_read_in_chunks(
    upload: Upload, reads: list[int], stored: Callable[[], list[bytes]]
) -> None:
    """POST /files with a 3 MiB file reads it in chunks (no read returns over 1 MiB), not whole."""
    content = large_binary()
    response = await upload(content, "big.png", "image/png")
    body = expect_object(response, 201, *FIELDS)
    assert body["size"] == len(content) and body["sha256"] == hashlib.sha256(content).hexdigest(), (
        f"{call(response)} with a {len(content)}-byte PNG → expected size {len(content)} and its "
        f"SHA-256, got size {body['size']!r} and sha256 {body['sha256']!r}"
    )
    assert content in stored(), f"{call(response)} → STORAGE_DIR does not hold the 3 MiB file"
    assert reads, f"{call(response)} → the upload's file object was never read"
    assert max(reads) <= MOST_PER_READ, (
        f"{call(response)} with a {len(content)}-byte file → one read from the upload returned "
        f"{max(reads)} bytes: copy it in chunks (CHUNK_SIZE), never whole"
    )


def large_binary() -> bytes:
    """3 MiB starting with the PNG signature, every 4-byte block different."""
    size = 3 * 1024 * 1024
    # Built as one array of 32-bit numbers: a bytes object per number took a second or more.
    numbers = array.array("I", range((size - 8) // 4))
    if sys.byteorder == "little":
        numbers.byteswap()  # big-endian, as int.to_bytes(4, "big") gives
    return b"\x89PNG\r\n\x1a\n" + numbers.tobytes()


@pytest.mark.rule("db-failure-leaves-nothing")
async def test_refused_row_leaves_no_bytes_behind(
    upload: Upload,
    lenient_client: SpecClient,
    world: World,
    samples: dict[str, bytes],
    stored: Callable[[], list[bytes]],
) -> None:
    """When the database refuses the new row, POST /files answers an error and keeps no bytes."""
    # A trigger makes SQLite refuse every new row, as a full disk or a broken constraint would.
    with closing(sqlite3.connect(world.root / "app.db")) as database:
        database.execute(
            "CREATE TRIGGER refuse_rows BEFORE INSERT ON files "
            "BEGIN SELECT RAISE(ABORT, 'the database refuses new rows'); END"
        )
        database.commit()
    content = samples["image/png"]
    response = await upload(content, "refused.png", "image/png", expect=None, via=lenient_client)
    assert response.status_code >= 500, (
        f"{call(response)} while the database refuses new rows → expected an error (5xx), "
        f"got {response.status_code}: {body_excerpt(response)}"
    )
    assert content not in stored(), (
        f"{call(response)} answered {response.status_code} (the database refused the row), "
        "but the file's bytes stay in STORAGE_DIR, where nothing will ever find them"
    )
    listing = expect_list(await lenient_client.get("/files"))
    assert not listing, f"GET /files after the refused row → expected [], got {listing}"
