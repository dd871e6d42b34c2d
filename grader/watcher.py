"""`python -m grader.watcher FOLDER [--poll]`: report saved files, one JSON line per burst.

`watch` runs this in a process of its own rather than watching from a thread: watchfiles
watches from a thread, and `watch` forks grading processes, which must not happen while a
thread runs. A process of its own also keeps watching while a grading runs, so a save made
during a grading is not missed: its line waits in the pipe.

Lines on stdout: `"ready"` once watching, then a JSON list of the changed paths (relative to
FOLDER) per burst of saves. It stops when told to, or when its parent ends.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from watchfiles import Change, DefaultFilter, watch

from grader.snapshots import is_junk

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.watcher")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--poll", action="store_true", help="poll instead of file events")
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    ready = False
    try:
        for changes in watch(
            folder,
            watch_filter=LearnerFiles(folder),
            step=QUIET_MS,
            stop_event=_ParentGone(),
            rust_timeout=100,
            yield_on_timeout=True,  # the first timeout says the watch has begun
            force_polling=True if args.poll else None,
            poll_delay_ms=POLL_MS,
            raise_interrupt=False,
        ):
            if not ready:
                ready = True
                _say("ready")
            if changes:
                paths = sorted({Path(path).relative_to(folder).as_posix() for _, path in changes})
                _say(json.dumps(paths))
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    return 0


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
