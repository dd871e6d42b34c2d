"""`python -m grader.watcher FOLDER [--poll]`: report saved files, one JSON line per burst.

`watch` runs this in a process of its own rather than watching from a thread: watchfiles
watches from a thread, and `watch` forks grading processes, which must not happen while a
thread runs. A process of its own also keeps watching while a grading runs, so a save made
during a grading is not missed: its line waits in the pipe.

Lines on stdout: `"ready"` once watching, then a JSON list of the changed paths (relative to
FOLDER) per burst of saves. It stops when told to, or when its parent ends.

Links are never followed: file events are asked for each real folder under FOLDER on its own
(not recursively, which would follow a link into `/usr` or round a loop), and polling looks at
the links themselves, never at what they point to.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from watchfiles import Change, DefaultFilter, watch

from grader.snapshots import JUNK_DIRS, is_junk, walk

#: A burst ends after this long without a change (editors save in several writes, a few
#: milliseconds apart). Short, since every save waits for it; a burst cut in two costs a grading
#: that `watch` cancels.
QUIET_MS = 20
#: How often to look for changes when polling.
POLL_MS = 200


class LearnerFiles(DefaultFilter):
    """The learner's files: not caches, editors' swap files or the apps' databases."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def __call__(self, change: Change, path: str) -> bool:
        try:
            relative = Path(path).relative_to(self.folder).as_posix()
        except ValueError:
            return False
        return super().__call__(change, path) and not is_junk(relative)


class _ParentGone:
    """Set once the process that started this one has ended (it was killed, say)."""

    def __init__(self) -> None:
        self.parent = os.getppid()

    def is_set(self) -> bool:
        return os.getppid() != self.parent


def real_folders(folder: Path) -> list[Path]:
    """`folder` and every folder under it that is not a link, nor junk (caches)."""
    found = [folder]
    for here, directories, _ in os.walk(folder, followlinks=False):
        for name in list(directories):
            path = Path(here) / name
            if name in JUNK_DIRS or path.is_symlink():
                directories.remove(name)
            else:
                found.append(path)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.watcher")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--poll", action="store_true", help="poll instead of file events")
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    try:
        if args.poll:
            _poll(folder, _ParentGone())
        else:
            _events(folder, _ParentGone())
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    return 0


def _events(folder: Path, stop: _ParentGone) -> None:
    ready = False
    while not stop.is_set():
        folders = real_folders(folder)
        for changes in watch(
            *folders,
            watch_filter=LearnerFiles(folder),
            step=QUIET_MS,
            stop_event=stop,
            rust_timeout=100,
            yield_on_timeout=True,  # the first timeout says the watch has begun
            raise_interrupt=False,
            recursive=False,
            ignore_permission_denied=True,
        ):
            if not ready:
                ready = True
                _say("ready")
            if changes:
                paths = sorted({Path(path).relative_to(folder).as_posix() for _, path in changes})
                _say(json.dumps(paths))
            if real_folders(folder) != folders:
                break  # a folder was made or removed: watch the new set


def _poll(folder: Path, stop: _ParentGone) -> None:
    _say("ready")
    seen = _look(folder)
    while not stop.is_set():
        time.sleep(POLL_MS / 1000)
        now = _look(folder)
        if now == seen:
            continue
        while True:  # a burst ends after a quiet moment
            time.sleep(QUIET_MS / 1000)
            settled = _look(folder)
            if settled == now:
                break
            now = settled
        changed = sorted(
            path for path in seen.keys() | now.keys() if seen.get(path) != now.get(path)
        )
        seen = now
        _say(json.dumps(changed))


def _look(folder: Path) -> dict[str, tuple[int, int, int, str]]:
    """Each file and link under `folder` (links not followed): its time, size, inode and, for a
    link, where it points."""
    found = {}
    for relative, path in walk(folder):
        try:
            stat = path.lstat()
            pointed = os.readlink(path) if path.is_symlink() else ""
        except OSError:
            continue
        found[relative] = (stat.st_mtime_ns, stat.st_size, stat.st_ino, pointed)
    return found


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
