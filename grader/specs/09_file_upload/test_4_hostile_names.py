"""Task 4: names and paths from clients are data, never paths or header syntax."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_status

if TYPE_CHECKING:
    from grader.specs.conftest import World

pytestmark = pytest.mark.task(4)

Create = Callable[..., Awaitable[dict[str, Any]]]
DownloadName = Callable[[httpx.Response], str]


async def test_names_with_path_parts_write_nothing_outside_storage(
    create: Create,
    world: World,
    stored: Callable[[], list[bytes]],
    strays: Callable[[], list[str]],
) -> None:
    """POST /files with a name like ../x, ../../x or an absolute path stores it in STORAGE_DIR."""
    names = [
        "../escape-1.txt",
        "../../escape-2.txt",
        str(world.root / "escape-3.txt"),
        "..\\..\\escape-4.txt",
    ]
    for number, name in enumerate(names, start=1):
        await create(f"escape attempt {number}\n".encode(), name, "text/plain")
    outside = strays()
    assert not outside, (
        "POST /files with names such as '../../escape-2.txt' → the app wrote outside "
        f"STORAGE_DIR: {', '.join(outside)}"
    )
    missing = [
        n for n in range(1, len(names) + 1) if f"escape attempt {n}\n".encode() not in stored()
    ]
    assert not missing, (
        f"POST /files with {names[missing[0] - 1]!r} → answered 201, but no file inside "
        "STORAGE_DIR holds its bytes"
    )


async def test_filename_keeps_only_the_last_path_component(create: Create, world: World) -> None:
    """POST /files reports only the last component of a name, splitting on / and on \\."""
    cases = {
        "../../report.txt": "report.txt",
        "..\\..\\windows.txt": "windows.txt",
        str(world.root / "folder" / "absolute.txt"): "absolute.txt",
        "reports/2024\\q1 summary.txt": "q1 summary.txt",
    }
    for name, expected in cases.items():
        body = await create(b"some text\n", name, "text/plain")
        assert body["filename"] == expected, (
            f'POST /files with {name!r} → "filename" should be {expected!r}, '
            f"got {body['filename']!r}"
        )


async def test_empty_filename_becomes_upload(create: Create) -> None:
    """POST /files names a file "upload" when its name is empty, "." or ".." once cleaned."""
    for name in ("", "..", "../.."):
        body = await create(b"some text\n", name, "text/plain")
        assert body["filename"] == "upload", (
            f'POST /files with the name {name!r} → "filename" should be "upload", '
            f"got {body['filename']!r}"
        )


async def test_control_characters_are_removed_from_filename(create: Create) -> None:
    """POST /files removes control characters (tab, newline, escape, ...) from the name."""
    name = "tab\there\nnew\x1bline\x7f.txt"
    body = await create(b"some text\n", name, "text/plain")
    assert body["filename"] == "tabherenewline.txt", (
        f'POST /files with {name!r} → "filename" should be "tabherenewline.txt", '
        f"got {body['filename']!r}"
    )


async def test_quote_and_newline_cannot_break_content_disposition(
    client: SpecClient, create: Create, download_name: DownloadName
) -> None:
    """GET /files/{id} keeps Content-Disposition one well-formed header for a name with " and LF."""
    name = 'say "hi".txt\nX-Injected: yes'
    body = await create(b"some text\n", name, "text/plain")
    response = expect_status(await client.get(f"/files/{body['id']}"), 200)
    assert "x-injected" not in response.headers, (
        f"{call(response)} → the file name injected a header: "
        f"X-Injected: {response.headers['x-injected']}"
    )
    saved_as = download_name(response)
    assert saved_as == body["filename"], (
        f"{call(response)} → Content-Disposition names the file {saved_as!r}, "
        f'but "filename" is {body["filename"]!r}'
    )


async def test_non_ascii_name_survives_the_round_trip(
    client: SpecClient, create: Create, download_name: DownloadName
) -> None:
    """GET /files/{id} sends a non-ASCII name as filename*=UTF-8''... (RFC 6266 / RFC 5987)."""
    name = "naïve café – отчёт 2024.txt"
    body = await create(b"some text\n", name, "text/plain")
    assert body["filename"] == name, (
        f'POST /files with {name!r} → "filename" should be {name!r}, got {body["filename"]!r}'
    )
    response = expect_status(await client.get(f"/files/{body['id']}"), 200)
    saved_as = download_name(response)
    assert saved_as == name, (
        f"{call(response)} → Content-Disposition names the file {saved_as!r}, expected {name!r}"
    )


async def test_download_path_cannot_traverse(
    client: SpecClient, create: Create, world: World
) -> None:
    """GET /files/{id} answers 404 or 422 for ids like ..%2Fsecret.txt, never another file."""
    secret = b"TOP SECRET: the launch code is 0000\n"
    target = world.path("secret.txt")
    target.write_bytes(secret)
    await create(b"some text\n", "notes.txt", "text/plain")
    attempts = [
        "..%2Fsecret.txt",
        "%2E%2E%2Fsecret.txt",
        "..%2F..%2Fworld%2Fsecret.txt",
        "..%252Fsecret.txt",
        "..%5Csecret.txt",
        quote(str(target), safe=""),
        "%2E%2E",
    ]
    for attempt in attempts:
        response = await client.get(f"/files/{attempt}")
        assert b"TOP SECRET" not in response.content, (
            f"{call(response)} → served a file from outside STORAGE_DIR: {body_excerpt(response)}"
        )
        expect_status(response, 404, 422)
