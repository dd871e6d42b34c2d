"""The file store: cleaning the client's name, recognising types, and saving bytes safely.

Uploads are copied chunk by chunk into `STORAGE_DIR`, under a name the server makes up, while
their size is counted, their SHA-256 computed and their first bytes compared with the type the
client declared.
"""

import codecs
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: Bytes read from an upload at a time, so a file is never held in memory whole.
CHUNK_SIZE = 64 * 1024

#: The allow-list: each accepted media type and the bytes its files start with (`None` for plain
#: text, which has no signature: it must decode as UTF-8 and contain no NUL byte).
SIGNATURES: dict[str, bytes | None] = {
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "application/pdf": b"%PDF-",
    "text/plain": None,
}

#: The name given to an upload whose name is empty once cleaned.
FALLBACK_NAME = "upload"

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_PATH_SEPARATORS = re.compile(r"[/\\]")


class UploadRejected(Exception):
    """The upload cannot be stored; nothing of it is left in the storage folder."""


class TooLarge(UploadRejected):
    """The file has more bytes than the limit allows."""


class WrongContent(UploadRejected):
    """The file's bytes are not what its declared type says they are."""


@dataclass(frozen=True)
class SavedFile:
    """A file now in the storage folder, under the name `id`."""

    id: str
    size: int
    sha256: str


def clean_filename(raw: str | None) -> str:
    """The client's name made safe to show and to put in a header."""
    # Control characters (CR, LF, TAB, NUL, ...) have no place in a name or in a header.
    name = _CONTROL_CHARACTERS.sub("", raw or "")
    # Browsers and scripts send paths ("C:\\Users\\me\\cv.pdf", "../x"): keep the last component.
    name = _PATH_SEPARATORS.split(name)[-1]
    # "." and ".." are path syntax, not names.
    return FALLBACK_NAME if name in ("", ".", "..") else name


def allowed_type(declared: str | None) -> str | None:
    """The declared media type without parameters, if it is on the allow-list."""
    # Media types are case-insensitive and may carry parameters ("text/plain; charset=utf-8").
    essence = (declared or "").partition(";")[0].strip().lower()
    return essence if essence in SIGNATURES else None


class _ContentCheck:
    """Checks, chunk by chunk, that the bytes really are of the declared type."""

    def __init__(self, media_type: str) -> None:
        self.signature = SIGNATURES[media_type]
        self.head = b""
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def feed(self, chunk: bytes) -> None:
        if self.signature is None:
            self._decode(chunk, final=False)
        elif len(self.head) < len(self.signature):
            self.head = (self.head + chunk)[: len(self.signature)]
            # Fail on the first wrong byte rather than after copying the whole file.
            if not self.signature.startswith(self.head):
                raise WrongContent("the bytes do not match the declared type")

    def finish(self) -> None:
        if self.signature is None:
            self._decode(b"", final=True)
        elif self.head != self.signature:
            raise WrongContent("the file is too short for its declared type")

    def _decode(self, chunk: bytes, *, final: bool) -> None:
        # The incremental decoder copes with a character split across two chunks.
        try:
            self.decoder.decode(chunk, final=final)
        except UnicodeDecodeError:
            raise WrongContent("text/plain must be UTF-8") from None
        if b"\x00" in chunk:
            raise WrongContent("text/plain must not contain NUL bytes")


def save_upload(source: BinaryIO, media_type: str, folder: Path, limit: int) -> SavedFile:
    """Copy `source` into `folder`, refusing it (and leaving nothing) if it breaks a rule."""
    file_id = uuid.uuid4().hex
    # Written under a temporary name and renamed at the end: a half-written file never shows.
    partial = folder / f"{file_id}.part"
    digest = hashlib.sha256()
    check = _ContentCheck(media_type)
    size = 0
    try:
        with partial.open("xb") as target:
            while chunk := source.read(CHUNK_SIZE):
                # Count the bytes really received: Content-Length may be absent or lie.
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"the file is larger than {limit} bytes")
                check.feed(chunk)
                digest.update(chunk)
                target.write(chunk)
        check.finish()
        os.replace(partial, folder / file_id)
    except BaseException:
        # A refused or interrupted upload leaves no trace in the storage folder.
        partial.unlink(missing_ok=True)
        raise
    return SavedFile(id=file_id, size=size, sha256=digest.hexdigest())
