"""Turning exceptions and long text into the short lines a learner reads on the scorecard.

A learner sees where *their* code went wrong (`main.py, line 12`), never the spec's source,
never an absolute path of this machine, and never a wall of text.
"""

from __future__ import annotations

import os
import re
import traceback
from pathlib import Path
from types import TracebackType

#: Longest message kept for one spec; longer ones are cut with a note.
MESSAGE_LIMIT = 600


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` cut to `limit` characters, saying so when it was cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit].rstrip() + f" … (cut, {len(text) - limit} more characters)"


def learner_location(tb: TracebackType | None, folder: Path) -> str | None:
    """`main.py, line 12`: the innermost frame of the traceback that runs code inside `folder`."""
    prefix = str(folder.resolve()) + os.sep
    found: str | None = None
    for frame in traceback.extract_tb(tb):
        path = os.path.abspath(frame.filename)
        if path.startswith(prefix):
            found = f"{Path(path[len(prefix) :]).as_posix()}, line {frame.lineno}"
    return found


def syntax_location(exc: SyntaxError, folder: Path) -> str | None:
    """Where a SyntaxError points, if it points inside `folder`."""
    if not exc.filename:
        return None
    path = os.path.abspath(exc.filename)
    prefix = str(folder.resolve()) + os.sep
    if not path.startswith(prefix):
        return None
    return f"{Path(path[len(prefix) :]).as_posix()}, line {exc.lineno}"


def describe_exception(exc: BaseException, folder: Path | None = None) -> str:
    """`ZeroDivisionError: division by zero (main.py, line 12)`, located in the learner's code."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, SyntaxError):
        text = f"{type(exc).__name__}: {exc.msg}"
    return text + located(exc, folder)


def located(exc: BaseException, folder: Path | None) -> str:
    """` (main.py, line 12)`: where in `folder` the exception came from, or "" if not there."""
    if folder is None:
        return ""
    where = syntax_location(exc, folder) if isinstance(exc, SyntaxError) else None
    where = where or learner_location(exc.__traceback__, folder)
    return f" ({where})" if where else ""


def scrub(text: str, paths: dict[str, str]) -> str:
    """Replace each absolute path in `text` with its short public name."""
    for path, shown in sorted(paths.items(), key=lambda item: -len(item[0])):
        text = text.replace(path + os.sep, shown + "/").replace(path, shown)
    return text


#: Characters a terminal acts on instead of showing: C0 controls but tab and newline, DEL, C1
#: controls (some terminals take U+009B for an escape sequence), and the Unicode marks that
#: reorder or hide text.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def visible(text: str) -> str:
    """`text` with every control character shown, never acted on: ESC as `^[`, CR as `^M`, U+009B
    as `\\x9b`; an app's output cannot clear the screen, move the cursor or fake a line."""
    return _CONTROLS.sub(_show, text.replace("\r\n", "\n"))


def _show(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


#: A frame in a stack dump of Python's faulthandler: `  File "/x/main.py", line 12 in handler`.
_DUMPED_FRAME = re.compile(r'^\s*File "(?P<file>.+)", line (?P<line>\d+) in ')


def stuck_at(dump: str, folder: Path) -> str | None:
    """`main.py, line 12`: where in `folder` a stack dump shows the app stuck, or None.

    The dump holds every thread's stack, most recent call first (a thread running the learner's
    code is stuck there), then the coroutines waiting in the learner's code, innermost first (an
    `await` that never ends)."""
    prefix = str(folder.resolve()) + os.sep
    running: list[str] = []
    waiting: list[str] = []
    section = running
    for line in dump.splitlines():
        if line.startswith("Coroutines waiting"):
            section = waiting
        elif line.startswith(("Thread 0x", "Current thread 0x")):
            section = running
        found = _DUMPED_FRAME.match(line)
        if found is None:
            continue
        path = os.path.abspath(found["file"])
        if path.startswith(prefix):
            section.append(f"{Path(path[len(prefix) :]).as_posix()}, line {found['line']}")
    return next(iter(running + waiting), None)
