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


@pytest.mark.rule("name-never-a-path")
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


@pytest.mark.rule("clean-last-component", "row-dot-dot", "row-backslash", "row-absolute")
async def test_filename_keeps_only_the_last_path_component(create: Create, world: World) -> None:
    """POST /files reports only the last component of a name, splitting on / and on \\."""
    cases = {
        "../../report.txt": "report.txt",
        "..\\..\\windows.txt": "windows.txt",
        str(world.root / "folder" / "absolute.txt"): "absolute.txt",
        "/home/me/absolute.txt": "absolute.txt",
        "reports/2024\\q1 summary.txt": "q1 summary.txt",
    }
    for name, expected in cases.items():
        body = await create(b"some text\n", name, "text/plain")
        assert body["filename"] == expected, (
            f'POST /files with {name!r} → "filename" should be {expected!r}, '
            f"got {body['filename']!r}"
        )


@pytest.mark.rule("clean-fallback", "row-empty")
async def test_empty_filename_becomes_upload(create: Create) -> None:
    """POST /files names a file "upload" when its name is empty, "." or ".." once cleaned."""
    for name in ("", "..", "../.."):
        body = await create(b"some text\n", name, "text/plain")
        assert body["filename"] == "upload", (
            f'POST /files with the name {name!r} → "filename" should be "upload", '
            f"got {body['filename']!r}"
        )


@pytest.mark.rule("clean-control", "row-control")
async def test_control_characters_are_removed_from_filename(create: Create) -> None:
    """POST /files removes control characters (tab, newline, escape, ...) from the name."""
    name = "tab\there\nnew\x1bline\x7f.txt"
    body = await create(b"some text\n", name, "text/plain")
    assert body["filename"] == "tabherenewline.txt", (
        f'POST /files with {name!r} → "filename" should be "tabherenewline.txt", '
        f"got {body['filename']!r}"
    )


@pytest.mark.rule("cd-one-header", "cd-no-break")
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


@pytest.mark.rule("cd-non-ascii", "row-non-ascii")
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


@pytest.mark.rule("file-id-not-a-path")
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


@pytest.mark.rule(
    "clean-order", "nothing-else-changes", "clean-control", "clean-last-component", "clean-fallback"
)
async def test_cleaning_rules_in_order(create: Create) -> None:
    """Names are cleaned in the README's order, and nothing else changes (spaces, dots, quotes)."""
    cases = {
        "a\x00b\x0bc\x1f.txt": "abc.txt",
        "C:\\Users\\me\\cv.txt": "cv.txt",
        "notes/\t": "upload",
        "notes\\\n": "upload",
        ".\x1b.": "upload",
        ".": "upload",
        "...": "...",
        ".hidden.txt": ".hidden.txt",
        "  spaced  name .txt ": "  spaced  name .txt ",
        'it\'s a "quote"; x=1, y.txt': 'it\'s a "quote"; x=1, y.txt',
        "dir/..\x01/file.txt": "file.txt",
    }
    for name, expected in cases.items():
        body = await create(b"some text\n", name, "text/plain")
        assert body["filename"] == expected, (
            f'POST /files with {name!r} → "filename" should be {expected!r}, '
            f"got {body['filename']!r}"
        )


@pytest.mark.rule("name-never-a-path", "nothing-else-changes")
async def test_long_names_are_kept_and_stored_safely(
    client: SpecClient,
    create: Create,
    download_name: DownloadName,
    stored: Callable[[], list[bytes]],
) -> None:
    """POST /files takes 300-character names (ASCII or not) as they are: no error, no path."""
    for number, name in enumerate(("a" * 296 + ".txt", "é" * 296 + ".txt"), start=1):
        content = f"long name {number}\n".encode()
        body = await create(content, name, "text/plain")
        assert body["filename"] == name, (
            f'POST /files with a {len(name)}-character name → "filename" should be that name, '
            f"got {body['filename'][:40]!r}… ({len(body['filename'])} characters)"
        )
        assert content in stored(), (
            f"POST /files with a {len(name)}-character name → no file in STORAGE_DIR holds it"
        )
        response = expect_status(await client.get(f"/files/{body['id']}"), 200)
        assert download_name(response) == name, (
            f"{call(response)} → Content-Disposition does not name the file {name[:20]!r}…"
        )


@pytest.mark.rule("cd-no-break", "cd-one-header")
async def test_names_with_header_syntax_round_trip(
    client: SpecClient, create: Create, download_name: DownloadName
) -> None:
    """Names with %, ;, =, commas, quotes and backticks download under exactly that name."""
    for name in (
        "50%25 off.txt",
        "100% sure.txt",
        "a;b=c.txt",
        "x, filename=evil.txt",
        "filename*=UTF-8''evil.txt\"",
        "`tick`'s.txt",
    ):
        body = await create(b"some text\n", name, "text/plain")
        response = expect_status(await client.get(f"/files/{body['id']}"), 200)
        saved_as = download_name(response)
        assert saved_as == name, (
            f"{call(response)} → Content-Disposition names the file {saved_as!r}, expected {name!r}"
        )
