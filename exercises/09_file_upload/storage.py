"""The file store: cleaning the client's name, recognising types, and saving bytes safely.

TODO: write `clean_filename`, `allowed_type` and `save_upload` (see the README's tasks). The
constants, exceptions and `SavedFile` below are yours to use.
"""

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
    # TODO: remove control characters, keep what follows the last "/" or "\", and fall back to
    # FALLBACK_NAME when nothing (or "." or "..") is left (task 4).
    raise NotImplementedError


def allowed_type(declared: str | None) -> str | None:
    """The declared media type without parameters, if it is on the allow-list."""
    # TODO: "text/plain; charset=utf-8" and "IMAGE/PNG" are allowed too (task 3).
    raise NotImplementedError


def save_upload(source: BinaryIO, media_type: str, folder: Path, limit: int) -> SavedFile:
    """Copy `source` into `folder`, refusing it (and leaving nothing) if it breaks a rule."""
    # TODO: copy CHUNK_SIZE bytes at a time into a file named by the server, counting bytes
    # (TooLarge past `limit`), hashing them, and checking them against `media_type`
    # (WrongContent); a refused upload must leave no file behind (tasks 1 and 3).
    raise NotImplementedError
