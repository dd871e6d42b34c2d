"""Files in `.kata/` that survive Ctrl-C, crashes and two graders at once.

- `atomic_write`: the new content goes to a temporary file beside the old one, which is then
  swapped in with `os.replace`; a reader sees the old file or the new one, never half of one.
- `Lock`: an OS lock on `.kata/lock` (`flock` on POSIX, `msvcrt.locking` on Windows). The OS
  drops it when its process dies, so a grader killed while holding it leaves no stale lock.
- `set_aside`: a file that cannot be trusted is renamed, never deleted.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

#: How long to wait for another grader to finish writing before giving up.
LOCK_TIMEOUT = 10.0


class LockTimeout(OSError):
    """Another process held `.kata/lock` for longer than `LOCK_TIMEOUT`."""


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data`, whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # or a power cut could leave the new name on empty content
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def set_aside(path: Path) -> Path | None:
    """Rename `path` to `NAME.corrupt-<timestamp>`; None if it was gone already."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    count = 1
    while aside.exists():
        count += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{count}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return None
    return aside


class Lock:
    """`with Lock(path):` holds an exclusive OS lock on `path`; re-entrant within one object."""

    def __init__(self, path: Path, timeout: float = LOCK_TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None
        self._depth = 0

    def __enter__(self) -> Lock:
        if self._depth == 0:
            self._acquire()
        self._depth += 1
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            _unlock(fd)
            os.close(fd)  # closing drops the lock too, should unlocking fail

    def _acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        try:
            while not _try_lock(fd):
                if time.monotonic() > deadline:
                    raise LockTimeout(f"{self.path} stayed locked for {self.timeout:g} s")
                time.sleep(0.005)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)  # msvcrt locks bytes from the current position
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
