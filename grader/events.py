"""The line protocol a grading process uses to tell the grader what is happening, as it happens.

Each event is one JSON object on one line, written straight to a pipe, so that whatever the
learner's app does next (hang, exit, crash), the grader already knows every result so far and
which spec was running. Outside the grader (a plain pytest run) no channel is open and every
call here does nothing.
"""

from __future__ import annotations

import json
import os
from typing import Any

#: Phases the grader treats as fatal when they hang or crash: every spec needs them.
IMPORT, STARTUP, RUN = "import", "startup", "run"
#: The line that ends the stacks a grading process writes when the grader asks for them.
END_OF_STACKS = "-- end of stacks --"

_fd: int | None = None
#: The process that opened the channel: a process the app forks never speaks on it.
_pid: int | None = None


def open_channel(fd: int) -> None:
    """Send events to file descriptor `fd` from now on."""
    global _fd, _pid
    _fd, _pid = fd, os.getpid()


def emit(event: str, **fields: Any) -> None:
    """Send one event, whole, or nothing if no channel is open (or not from this process)."""
    if _fd is None or os.getpid() != _pid:
        return
    data = (json.dumps({"event": event, **fields}, default=str) + "\n").encode()
    view = memoryview(data)
    while view:
        view = view[os.write(_fd, view) :]


def phase(name: str) -> None:
    """Say that the running spec has entered `name` (IMPORT, STARTUP or RUN)."""
    emit("phase", phase=name)


def decode(line: bytes) -> dict[str, Any] | None:
    """One event from one line; `None` for a line that is not one (never trusted blindly)."""
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and isinstance(event.get("event"), str) else None
