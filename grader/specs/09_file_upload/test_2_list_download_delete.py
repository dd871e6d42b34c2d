"""Task 2: GET /files lists uploads, GET /files/{id} downloads one, DELETE removes it."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_list, expect_object, expect_status

pytestmark = pytest.mark.task(2)

Create = Callable[..., Awaitable[dict[str, Any]]]
Upload = Callable[..., Awaitable[httpx.Response]]
FIELDS = ("id", "filename", "size", "content_type", "sha256")


@pytest.mark.rule("list-files")
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


@pytest.mark.rule("download-bytes", "download-media-type")
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


@pytest.mark.rule("download-media-type")
async def test_download_media_type_is_the_stored_type(
    client: SpecClient, create: Create, samples: dict[str, bytes]
) -> None:
    """A download's Content-Type is the file's content_type, whatever its name's extension."""
    names = {
        "image/png": "diagram",
        "image/jpeg": "holiday photo.txt",
        "application/pdf": "invoice.html",
        "text/plain": "readme.pdf",
    }
    for media_type, name in names.items():
        body = await create(samples[media_type], name, media_type)
        response = expect_status(await client.get(f"/files/{body['id']}"), 200)
        assert response.content == samples[media_type], (
            f"{call(response)} → the body is not the uploaded {media_type} file"
        )
        got = response.headers.get("content-type", "").split(";")[0].strip().lower()
        assert got == media_type, (
            f"{call(response)} for {name!r}, uploaded as {media_type} → Content-Type should be "
            f"{media_type} (the file's content_type, not a guess from its name), got "
            f"{response.headers.get('content-type')!r}"
        )


@pytest.mark.rule("download-attachment")
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


@pytest.mark.rule("two-uploads-two-ids")
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


@pytest.mark.rule("range-206")
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


@pytest.mark.rule("range-416")
async def test_range_at_or_past_the_end_answers_416(
    client: SpecClient, create: Create, samples: dict[str, bytes]
) -> None:
    """GET /files/{id} with a Range starting at or past the end of the file answers 416."""
    text = samples["text/plain"]
    body = await create(text, "notes.txt", "text/plain")
    for wanted in (
        f"bytes={len(text)}-",
        f"bytes={len(text)}-{len(text) + 5}",
        "bytes=100000-",
        f"bytes={2**64}-",
    ):
        response = await client.get(f"/files/{body['id']}", headers={"Range": wanted})
        assert response.status_code == 416, (
            f"{call(response)} with Range: {wanted} (file of {len(text)} bytes, the last is "
            f"byte {len(text) - 1}) → expected 416, got {response.status_code}: "
            f"{body_excerpt(response)}"
        )


@pytest.mark.rule("range-206", "range-end-clamped")
async def test_range_of_the_first_and_last_bytes(
    client: SpecClient, create: Create, samples: dict[str, bytes]
) -> None:
    """Ranges of the first byte, the last byte, and past the last byte answer 206 with those."""
    photo = samples["image/jpeg"]
    body = await create(photo, "photo.jpg", "image/jpeg")
    last = len(photo) - 1
    cases = (
        ("bytes=0-0", photo[:1], f"bytes 0-0/{len(photo)}"),
        (f"bytes={last}-{last}", photo[last:], f"bytes {last}-{last}/{len(photo)}"),
        (f"bytes={last}-", photo[last:], f"bytes {last}-{last}/{len(photo)}"),
        ("bytes=100-199", photo[100:200], f"bytes 100-199/{len(photo)}"),
        (f"bytes=10-{len(photo)}", photo[10:], f"bytes 10-{last}/{len(photo)}"),
        (f"bytes=0-{2**64}", photo, f"bytes 0-{last}/{len(photo)}"),
    )
    for wanted, content, content_range in cases:
        response = await client.get(f"/files/{body['id']}", headers={"Range": wanted})
        assert response.status_code == 206, (
            f"{call(response)} with Range: {wanted} (file of {len(photo)} bytes) → expected 206, "
            f"got {response.status_code}: {body_excerpt(response)}"
        )
        assert response.content == content, (
            f"{call(response)} with Range: {wanted} → expected {content[:20]!r}, "
            f"got {len(response.content)} bytes: {response.content[:20]!r}"
        )
        got = response.headers.get("content-range")
        assert got == content_range, (
            f"{call(response)} with Range: {wanted} → Content-Range should be {content_range!r}, "
            f"got {got!r}"
        )


@pytest.mark.rule("range-malformed")
async def test_malformed_ranges_are_no_server_error(
    client: SpecClient, create: Create, samples: dict[str, bytes]
) -> None:
    """GET /files/{id} with a malformed Range (bytes=abc, bytes=5-2, …) answers 400 or 200."""
    text = samples["text/plain"]
    body = await create(text, "notes.txt", "text/plain")
    for wanted in ("bytes=abc", "bytes=5-2", "bytes=-", "bytes=0--5", "items=0-5", "bytes=x-9"):
        response = await client.get(f"/files/{body['id']}", headers={"Range": wanted})
        assert response.status_code in (200, 400), (
            f"{call(response)} with Range: {wanted} → expected 400 (or 200 with the whole file), "
            f"got {response.status_code}: {body_excerpt(response)}"
        )
        if response.status_code == 200:
            assert response.content == text, (
                f"{call(response)} with Range: {wanted} → a 200 must carry the whole file"
            )


@pytest.mark.rule("unknown-id-404")
async def test_unknown_id_answers_404(client: SpecClient, create: Create) -> None:
    """GET and DELETE /files/{id} answer 404 for an id that was never uploaded."""
    await create()
    missing = uuid.uuid4().hex
    expect_status(await client.get(f"/files/{missing}"), 404)
    expect_status(await client.delete(f"/files/{missing}"), 404)


@pytest.mark.rule("delete-204", "after-delete")
async def test_delete_answers_204_then_the_file_is_gone(client: SpecClient, create: Create) -> None:
    """DELETE /files/{id} answers 204 with no body; that file then answers 404, the others stay."""
    contents = {
        (await create(f"file {n}\n".encode(), f"file-{n}.txt", "text/plain"))["id"]: (
            f"file {n}\n".encode()
        )
        for n in range(4)
    }
    # The last id in sorted order, then the first: a delete that matches more than one id
    # (a comparison, a prefix, a pattern) takes others with it.
    for doomed in (max(contents), min(contents)):
        response = expect_status(await client.delete(f"/files/{doomed}"), 204)
        assert not response.content, (
            f"{call(response)} → 204 must have no body, got {body_excerpt(response)}"
        )
        del contents[doomed]
        expect_status(await client.get(f"/files/{doomed}"), 404)
        expect_status(await client.delete(f"/files/{doomed}"), 404)
        listing = await client.get("/files")
        ids = sorted(
            str(entry.get("id")) for entry in expect_list(listing) if isinstance(entry, dict)
        )
        assert ids == sorted(contents), (
            f"{call(listing)} after deleting {doomed} → expected {sorted(contents)}, got {ids}"
        )
        for file_id, content in contents.items():
            response = expect_status(await client.get(f"/files/{file_id}"), 200)
            assert response.content == content, (
                f"{call(response)} after deleting another file → expected {content!r}, "
                f"got {response.content[:40]!r}"
            )


@pytest.mark.rule("after-delete")
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


@pytest.mark.rule("concurrent-deletes")
async def test_concurrent_deletes_of_one_file(
    client: SpecClient,
    create: Create,
    stored: Callable[[], list[bytes]],
    selects_together: Callable[[str, int], None],
    thread_switches: None,
) -> None:
    """6 DELETEs of one id at the same time each answer 204 or 404, never an error."""
    content = b"deleted by six requests at once\n"
    file_id = (await create(content, "contested.txt", "text/plain"))["id"]
    selects_together(file_id, 6)
    responses = await asyncio.gather(*(client.delete(f"/files/{file_id}") for _ in range(6)))
    statuses = [response.status_code for response in responses]
    assert set(statuses) <= {204, 404} and 204 in statuses, (
        f"6 concurrent DELETE /files/{file_id} → {statuses}, expected each 204 or 404 "
        "(at least one 204)"
    )
    expect_status(await client.get(f"/files/{file_id}"), 404)
    listing = expect_list(await client.get("/files"))
    assert not listing, f"GET /files after the concurrent DELETEs → expected [], got {listing}"
    assert content not in stored(), (
        "after the concurrent DELETEs, the file's bytes are still in STORAGE_DIR"
    )


#: Ids a client might send that are not ids at all: SQL, LIKE wildcards, oversized strings.
ODD_IDS = (
    "' OR '1'='1",
    "x' OR 1=1 --",
    "1; DROP TABLE files",
    "%",
    "%25",
    "_" * 32,
    "*",
    "a" * 300,
    "null",
    "0",
)


@pytest.mark.rule("unknown-id-404")
async def test_odd_ids_find_nothing_and_delete_nothing(client: SpecClient, create: Create) -> None:
    """Ids such as ' OR '1'='1, % or _ answer 404 (or 422) to GET and DELETE and touch no file."""
    kept = [await create(f"keep {n}\n".encode(), f"keep-{n}.txt", "text/plain") for n in range(2)]
    for odd in ODD_IDS:
        path = f"/files/{quote(odd, safe='')}"
        for method in ("GET", "DELETE"):
            response = await client.request(method, path)
            expect_status(response, 404, 422)
    listing = expect_list(await client.get("/files"))
    ids = sorted(str(entry.get("id")) for entry in listing if isinstance(entry, dict))
    assert ids == sorted(body["id"] for body in kept), (
        f"GET /files after GET and DELETE of ids such as \"' OR '1'='1\" and \"%\" → expected "
        f"the 2 files uploaded, got {ids}"
    )


@pytest.mark.large
@pytest.mark.rule("download-streamed", "range-206")
async def test_large_download_is_streamed(
    upload: Upload, piece_client: tuple[SpecClient, list[int]]
) -> None:
    """GET /files/{id} streams a 3 MiB file in several pieces, and serves a range deep inside it."""
    content = large_text()
    body = expect_object(await upload(content, "big.txt", "text/plain"), 201, "id")
    client, pieces = piece_client
    response = expect_status(await client.get(f"/files/{body['id']}"), 200)
    assert response.content == content, (
        f"{call(response)} → the body is not the uploaded 3 MiB file "
        f"({len(response.content)} bytes)"
    )
    assert pieces[-1] > 1, (
        f"{call(response)} → the 3 MiB body arrived in one piece: stream it from disk in chunks "
        "instead of reading the file whole"
    )
    start = 2 * 1024 * 1024 + 7
    wanted = f"bytes={start}-{start + 9}"
    response = await client.get(f"/files/{body['id']}", headers={"Range": wanted})
    assert response.status_code == 206 and response.content == content[start : start + 10], (
        f"{call(response)} with Range: {wanted} → expected 206 with "
        f"{content[start : start + 10]!r}, got {response.status_code} with "
        f"{response.content[:20]!r}"
    )


def large_text() -> bytes:
    """3 MiB of UTF-8 text, every line numbered."""
    size = 3 * 1024 * 1024
    lines = "".join([f"line {n:07d} of a large text file\n" for n in range(size // 32 + 1)])
    return lines.encode()[:size]
