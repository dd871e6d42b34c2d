"""Task 2: GET /files lists uploads, GET /files/{id} downloads one, DELETE removes it."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_list, expect_status

pytestmark = pytest.mark.task(2)

Create = Callable[..., Awaitable[dict[str, Any]]]
FIELDS = ("id", "filename", "size", "content_type", "sha256")


async def test_list_returns_every_uploaded_file(
    client: SpecClient, create: Create, samples: dict[str, bytes]
) -> None:
    """GET /files answers 200 with a JSON array holding each upload's metadata."""
    uploaded = [
        await create(samples["text/plain"], "notes.txt", "text/plain"),
        await create(samples["application/pdf"], "report.pdf", "application/pdf"),
    ]
    response = await client.get("/files")
    listed = {entry.get("id"): entry for entry in expect_list(response) if isinstance(entry, dict)}
    for body in uploaded:
        entry = listed.get(body["id"])
        assert entry is not None, f'{call(response)} → file "{body["id"]}" is missing'
        for field in FIELDS:
            assert entry.get(field) == body[field], (
                f'{call(response)} → file "{body["id"]}" has "{field}" {entry.get(field)!r}, '
                f"but POST /files answered {body[field]!r}"
            )
    assert len(listed) == len(uploaded), (
        f"{call(response)} → expected {len(uploaded)} files, got {len(listed)}"
    )


async def test_download_returns_the_exact_bytes(
    client: SpecClient, create: Create, samples: dict[str, bytes]
) -> None:
    """GET /files/{id} answers 200 with exactly the uploaded bytes and their Content-Type."""
    photo = samples["image/jpeg"]
    body = await create(photo, "photo.jpg", "image/jpeg")
    response = expect_status(await client.get(f"/files/{body['id']}"), 200)
    assert response.content == photo, (
        f"{call(response)} → the body is not the uploaded bytes "
        f"({len(response.content)} bytes, SHA-256 {hashlib.sha256(response.content).hexdigest()};"
        f" uploaded {len(photo)} bytes, SHA-256 {body['sha256']})"
    )
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    assert media_type == "image/jpeg", (
        f"{call(response)} → Content-Type should be image/jpeg, "
        f"got {response.headers.get('content-type')!r}"
    )


async def test_download_is_an_attachment_named_after_the_file(
    client: SpecClient,
    create: Create,
    samples: dict[str, bytes],
    download_name: Callable[[httpx.Response], str],
) -> None:
    """GET /files/{id} sends Content-Disposition: attachment with the file's name."""
    body = await create(samples["application/pdf"], "report.pdf", "application/pdf")
    response = expect_status(await client.get(f"/files/{body['id']}"), 200)
    name = download_name(response)
    assert name == "report.pdf", (
        f'{call(response)} → Content-Disposition names the file {name!r}, expected "report.pdf"'
    )


async def test_same_name_uploaded_twice_keeps_both_files(
    client: SpecClient, create: Create
) -> None:
    """Two uploads with the same name are two files: each id downloads its own bytes."""
    first = await create(b"first version\n", "draft.txt", "text/plain")
    second = await create(b"second version, longer\n", "draft.txt", "text/plain")
    for body, content in ((first, b"first version\n"), (second, b"second version, longer\n")):
        response = expect_status(await client.get(f"/files/{body['id']}"), 200)
        assert response.content == content, (
            f"{call(response)} → got {response.content!r}, expected {content!r} "
            '(the second "draft.txt" must not replace the first)'
        )


async def test_range_request_answers_206_with_those_bytes(
    client: SpecClient, create: Create, samples: dict[str, bytes]
) -> None:
    """GET /files/{id} with Range: bytes=0-9 answers 206, the first 10 bytes and Content-Range."""
    photo = samples["image/jpeg"]
    body = await create(photo, "photo.jpg", "image/jpeg")
    response = await client.get(f"/files/{body['id']}", headers={"Range": "bytes=0-9"})
    assert response.status_code == 206, (
        f"{call(response)} with Range: bytes=0-9 → expected 206, got {response.status_code}"
    )
    assert response.content == photo[:10], (
        f"{call(response)} with Range: bytes=0-9 → expected the first 10 bytes, "
        f"got {len(response.content)} bytes: {response.content[:40]!r}"
    )
    content_range = response.headers.get("content-range")
    expected = f"bytes 0-9/{len(photo)}"
    assert content_range == expected, (
        f"{call(response)} with Range: bytes=0-9 → Content-Range should be {expected!r}, "
        f"got {content_range!r}"
    )


async def test_range_past_the_end_answers_416(
    client: SpecClient, create: Create, samples: dict[str, bytes]
) -> None:
    """GET /files/{id} with a Range starting past the end of the file answers 416."""
    text = samples["text/plain"]
    body = await create(text, "notes.txt", "text/plain")
    wanted = f"bytes={len(text) + 100}-"
    response = await client.get(f"/files/{body['id']}", headers={"Range": wanted})
    assert response.status_code == 416, (
        f"{call(response)} with Range: {wanted} (file of {len(text)} bytes) → expected 416, "
        f"got {response.status_code}: {body_excerpt(response)}"
    )


async def test_unknown_id_answers_404(client: SpecClient, create: Create) -> None:
    """GET and DELETE /files/{id} answer 404 for an id that was never uploaded."""
    await create()
    missing = uuid.uuid4().hex
    expect_status(await client.get(f"/files/{missing}"), 404)
    expect_status(await client.delete(f"/files/{missing}"), 404)


async def test_delete_answers_204_then_the_file_is_gone(client: SpecClient, create: Create) -> None:
    """DELETE /files/{id} answers 204 with no body; the file then answers 404 and is not listed."""
    kept = await create(b"keep me\n", "keep.txt", "text/plain")
    doomed = await create(b"delete me\n", "delete.txt", "text/plain")
    response = expect_status(await client.delete(f"/files/{doomed['id']}"), 204)
    assert not response.content, (
        f"{call(response)} → 204 must have no body, got {body_excerpt(response)}"
    )
    expect_status(await client.get(f"/files/{doomed['id']}"), 404)
    expect_status(await client.delete(f"/files/{doomed['id']}"), 404)
    listing = await client.get("/files")
    ids = [entry.get("id") for entry in expect_list(listing) if isinstance(entry, dict)]
    assert ids == [kept["id"]], (
        f"{call(listing)} after deleting {doomed['id']} → expected only {kept['id']}, got {ids}"
    )


async def test_delete_removes_the_bytes_from_storage(
    client: SpecClient, create: Create, stored: Callable[[], list[bytes]]
) -> None:
    """DELETE /files/{id} also removes the file's bytes from STORAGE_DIR."""
    content = b"a file that must not outlive its DELETE\n"
    body = await create(content, "secret.txt", "text/plain")
    response = expect_status(await client.delete(f"/files/{body['id']}"), 204)
    assert content not in stored(), (
        f"{call(response)} answered 204, but the file's bytes are still in STORAGE_DIR"
    )
