"""Fixtures for the file store specs: uploads, the storage folder, and Content-Disposition.

Uploads are hand-built multipart bodies, so a spec controls every byte a client could send: the
declared type, a filename with quotes, backslashes or a newline, and the request's framing (with
a `Content-Length`, or chunked with none). The grading interface sets `STORAGE_DIR` to a folder
in the world and `MAX_UPLOAD_BYTES` to `LIMIT`.
"""

from __future__ import annotations

import re
import struct
import tempfile
import threading
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from grader import kit
from grader.kit import (
    BASE_URL,
    SpecClient,
    body_excerpt,
    call,
    client_for,
    expect_object,
    fail,
)

if TYPE_CHECKING:
    from grader.specs.conftest import World

#: `MAX_UPLOAD_BYTES` while grading: small, so that specs stay fast.
LIMIT = 1024

#: `MAX_UPLOAD_BYTES` in the specs of large files (`@pytest.mark.large`).
LARGE_LIMIT = 4 * 1024 * 1024

#: The size of a large file: several chunks of any sensible size.
LARGE = 3 * 1024 * 1024

#: The most a single read from the upload may return (the README's grading interface).
MOST_PER_READ = 1024 * 1024

#: The multipart boundary of every upload a spec sends.
BOUNDARY = "kata-9f1c2e7a4b"

#: The fields of a file's metadata, as the README names them.
FIELDS = ("id", "filename", "size", "content_type", "sha256")

#: `await upload(content, "name.txt", "text/plain", chunked=False, expect=201)`: POST /files with
#: one file in the field `file`, then fail unless the status is `expect` (`None`: don't check).
Upload = Callable[..., Awaitable[httpx.Response]]

#: `await create(content, "name.txt", "text/plain")`: upload, expect 201, return the JSON object.
Create = Callable[..., Awaitable[dict[str, Any]]]

#: `stored()`: the contents of every file under STORAGE_DIR, whatever their names.
Stored = Callable[[], list[bytes]]

#: `strays()`: files the app wrote outside STORAGE_DIR (the database file excepted).
Strays = Callable[[], list[str]]

#: `download_name(response)`: the filename a browser would save the download as; fails unless the
#: response has exactly one well-formed `Content-Disposition: attachment` header.
DownloadName = Callable[[httpx.Response], str]

#: `reads`: the number of bytes each read from an upload's file object returned, in order.
Reads = list[int]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"large: the spec's app is started with MAX_UPLOAD_BYTES={LARGE_LIMIT}"
    )


def _png() -> bytes:
    """A real 2×2 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = b"\x00\xff\x00\x00\x00\xff\x00" + b"\x00\x00\x00\xff\xff\xff\xff"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


#: A JPEG header followed by every byte value twice: a text-mode copy or a decode would break it.
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + bytes(range(256)) * 2
    + b"\xff\xd9"
)

#: One file of each allowed type, by the media type the README fixes for it.
SAMPLES: dict[str, bytes] = {
    "image/png": _png(),
    "image/jpeg": JPEG,
    "application/pdf": (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    ),
    "text/plain": "Shopping list:\n- café\n- crème brûlée\n- 寿司\n".encode(),
}


def multipart_body(
    filename: str,
    content: bytes,
    content_type: str | None,
    fields: dict[str, str] | None = None,
) -> bytes:
    """A multipart/form-data body with one file part named `file` (after any other `fields`),
    written byte by byte."""
    body = b""
    for name, value in (fields or {}).items():
        body += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    return body + head.encode() + b"\r\n" + content + f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def app_env(world: World, limit: int) -> dict[str, str]:
    return {"STORAGE_DIR": str(world.root / "storage"), "MAX_UPLOAD_BYTES": str(limit)}


@pytest.fixture
def limit(request: pytest.FixtureRequest) -> int:
    return LARGE_LIMIT if request.node.get_closest_marker("large") else LIMIT


@pytest.fixture
def samples() -> dict[str, bytes]:
    return dict(SAMPLES)


@pytest.fixture
def storage(world: World) -> Path:
    return world.root / "storage"


@pytest.fixture
def upload(client: SpecClient) -> Upload:
    async def upload(
        content: bytes,
        filename: str = "notes.txt",
        content_type: str | None = "text/plain",
        *,
        chunked: bool = False,
        content_length: int | None = None,
        fields: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        expect: int | None = 201,
        via: SpecClient | None = None,
    ) -> httpx.Response:
        sender = via or client
        body = multipart_body(filename, content, content_type, fields)
        headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        if content_length is not None:
            # httpx keeps a Content-Length it is given, so the header can lie about the body.
            headers["Content-Length"] = str(content_length)
        if chunked:

            async def pieces() -> AsyncIterator[bytes]:
                for start in range(0, len(body), 256):
                    yield body[start : start + 256]

            response = await sender.post("/files", content=pieces(), headers=headers, params=params)
            if "content-length" in response.request.headers:
                raise fail("grader error: the chunked upload was sent with a Content-Length")
        else:
            response = await sender.post("/files", content=body, headers=headers, params=params)
        if expect is not None and response.status_code != expect:
            framing = ", chunked without Content-Length" if chunked else ""
            if content_length is not None:
                framing = f", sent with Content-Length: {content_length}"
            raise fail(
                f"{call(response)} with {filename!r} ({content_type}, {len(content)} bytes"
                f"{framing}) → expected {expect}, got {response.status_code}: "
                f"{body_excerpt(response)}"
            )
        return response

    return upload


@pytest.fixture
def create(upload: Upload) -> Create:
    async def create(
        content: bytes = SAMPLES["text/plain"],
        filename: str = "notes.txt",
        content_type: str = "text/plain",
    ) -> dict[str, Any]:
        response = await upload(content, filename, content_type)
        return expect_object(response, 201, *FIELDS)

    return create


@pytest.fixture
def stored(storage: Path) -> Stored:
    def stored() -> list[bytes]:
        if not storage.is_dir():
            return []
        return [path.read_bytes() for path in sorted(storage.rglob("*")) if path.is_file()]

    return stored


@pytest.fixture
def strays(world: World, storage: Path) -> Strays:
    # The spec's own temporary folder holds the world and nothing else: `../../x` from
    # STORAGE_DIR lands here, `../x` in the world itself.
    outer = world.root.parent
    database = re.compile(r"app\.db(-journal|-wal|-shm)?")

    def strays() -> list[str]:
        found = []
        for path in sorted(outer.rglob("*")):
            if path.is_dir() or path == storage or storage in path.parents:
                continue
            if path.parent == world.root and database.fullmatch(path.name):
                continue
            found.append(str(path.relative_to(outer)))
        return found

    return strays


# RFC 9110 tokens and quoted strings, RFC 8187 ext-values: Content-Disposition's grammar.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[^"\\\x00-\x1f\x7f]|\\[\t\x20-\x7e])*"'
_PARAMETER = re.compile(rf"\s*;\s*({_TOKEN})\s*=\s*({_TOKEN}|{_QUOTED})\s*")
_EXT_VALUE = re.compile(r"(?i:utf-8)'[A-Za-z0-9-]*'((?:[A-Za-z0-9!#$&+.^_`|~-]|%[0-9A-Fa-f]{2})*)")


@pytest.fixture
def download_name() -> DownloadName:
    return _download_name


def _download_name(response: httpx.Response) -> str:
    values = response.headers.get_list("content-disposition")
    if len(values) != 1:
        raise fail(f"{call(response)} → expected one Content-Disposition header, got {len(values)}")
    value = values[0]
    malformed = fail(f"{call(response)} → malformed Content-Disposition header: {value!r}")
    if any(ord(c) < 0x20 and c != "\t" or ord(c) == 0x7F for c in value):
        raise fail(f"{call(response)} → Content-Disposition has a control character: {value!r}")
    if any(ord(c) > 0x7F for c in value):
        raise fail(
            f"{call(response)} → Content-Disposition must be ASCII (send other names as "
            f"filename*=UTF-8''<percent-encoded UTF-8>, RFC 6266), got {value!r}"
        )
    kind = value.split(";", 1)[0]
    if kind.strip().lower() != "attachment":
        raise fail(
            f"{call(response)} → Content-Disposition should start with attachment, got {value!r}"
        )
    parameters: dict[str, str] = {}
    rest = value[len(kind) :]
    position = 0
    while position < len(rest):
        match = _PARAMETER.match(rest, position)
        if match is None or match.group(1).lower() in parameters:
            raise malformed
        parameters[match.group(1).lower()] = match.group(2)
        position = match.end()
    if "filename*" in parameters:
        extended = _EXT_VALUE.fullmatch(parameters["filename*"])
        if extended is None:
            raise malformed
        try:
            return unquote(extended.group(1), errors="strict")
        except UnicodeDecodeError:
            raise malformed from None
    if "filename" in parameters:
        name = parameters["filename"]
        if name.startswith('"'):
            return re.sub(r"\\(.)", r"\1", name[1:-1])
        return name
    raise fail(f"{call(response)} → Content-Disposition has no filename: {value!r}")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Reads:
    """Watch every read from an upload's file object: Starlette spools each uploaded file into
    a `SpooledTemporaryFile`, which `UploadFile.read` and `UploadFile.file.read` both read."""
    sizes: Reads = []
    lock = threading.Lock()
    original = tempfile.SpooledTemporaryFile.read

    def read(self: Any, *args: Any) -> Any:
        data = original(self, *args)
        with lock:
            sizes.append(len(data))
        return data

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "read", read)
    return sizes


#: `pieces`: for each request sent by `piece_client`, how many non-empty body messages the
#: response arrived in.
Pieces = list[int]


@pytest.fixture
async def piece_client(
    running: Any, exercise_dir: Path
) -> AsyncIterator[tuple[SpecClient, Pieces]]:
    """A client of the running app that counts the pieces each response body arrives in."""
    pieces: Pieces = []

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        async def counted(message: Any) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                pieces[-1] += 1
            await send(message)

        if scope["type"] == "http":
            pieces.append(0)
        await running(scope, receive, counted)

    async with client_for(counting, folder=exercise_dir) as client:
        yield client, pieces


@pytest.fixture
def thread_switches() -> Iterator[None]:
    """Threads switch as often as CPython allows while the spec runs, so that the races of sync
    endpoints (which FastAPI runs in a thread pool) show."""
    with kit.thread_switches():
        yield


#: `start_together(12)`: the next 12 uploads copied in worker threads all wait at their first
#: read until the 12 are there, then go on at once.
StartTogether = Callable[[int], None]

#: How long a gated upload waits for the others. Only an app that lets one copy at a time (a
#: lock around the whole copy) ever waits this long, once: the gate then stays open.
GATE_TIMEOUT = 5.0


@pytest.fixture
def start_together(monkeypatch: pytest.MonkeyPatch) -> StartTogether:
    """Make concurrent uploads overlap for certain: a sync endpoint copies in a worker thread,
    and each upload's first read waits there until all of them have started their copies.

    Reads on the event loop's own thread (an `async def` endpoint reading a file Starlette kept
    in memory) are never held: holding them would stop the loop itself.
    """
    loop_thread = threading.get_ident()
    lock = threading.Lock()
    seen: set[int] = set()
    gate: list[threading.Barrier] = []
    original = tempfile.SpooledTemporaryFile.read

    def read(self: Any, *args: Any) -> Any:
        if gate and not gate[0].broken and threading.get_ident() != loop_thread:
            with lock:
                first = id(self) not in seen
                seen.add(id(self))
            if first:
                try:
                    gate[0].wait(timeout=GATE_TIMEOUT)
                except threading.BrokenBarrierError:
                    pass
        return original(self, *args)

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "read", read)

    def arm(count: int) -> None:
        gate[:] = [threading.Barrier(count)]

    return arm


#: `selects_together(file_id, 6)`: the next 6 requests that look `file_id` up in the database
#: (from worker threads) all wait at that SELECT until the 6 are there, then go on at once.
SelectsTogether = Callable[[str, int], None]


@pytest.fixture
def selects_together() -> Iterator[SelectsTogether]:
    """Make concurrent requests for one file overlap for certain: each request's first SELECT
    that names the file, once run, waits until all of them have run theirs, so they all find
    the row before any of them changes it. SELECTs on the event loop's own thread are never
    held."""
    loop_thread = threading.get_ident()
    lock = threading.Lock()
    held: set[int] = set()
    armed: list[tuple[str, threading.Barrier]] = []

    def after_execute(
        connection: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if not armed or threading.get_ident() == loop_thread:
            return
        marker, gate = armed[0]
        if gate.broken or not statement.lstrip().upper().startswith("SELECT"):
            return
        if marker not in statement and marker not in repr(parameters):
            return
        with lock:
            if threading.get_ident() in held:
                return
            held.add(threading.get_ident())
        try:
            gate.wait(timeout=GATE_TIMEOUT)
        except threading.BrokenBarrierError:
            pass

    def arm(marker: str, count: int) -> None:
        armed[:] = [(marker, threading.Barrier(count, action=armed.clear))]

    event.listen(Engine, "after_cursor_execute", after_execute)
    try:
        yield arm
    finally:
        event.remove(Engine, "after_cursor_execute", after_execute)


@pytest.fixture
async def lenient_client(running: Any, exercise_dir: Path) -> AsyncIterator[SpecClient]:
    """A client for specs where an error is the right answer: an exception the app raises comes
    back as a 500 response, as a server would send it, instead of failing the spec."""
    transport = httpx.ASGITransport(app=running, raise_app_exceptions=False)
    async with SpecClient(folder=exercise_dir, transport=transport, base_url=BASE_URL) as client:
        yield client
