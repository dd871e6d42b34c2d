"""Single key presses from the terminal, as `watch` reads them: no Enter needed, nothing echoed.

On POSIX the terminal is put in cbreak mode for the duration (Ctrl-C still interrupts) and put
back as it was on the way out, whatever happens; on Windows the console is read with `msvcrt`.
When standard input is not a terminal there are no keys to read, and `Keys.live` is False.
"""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import Any

#: What `read` gives for the Escape key and for Enter.
ESCAPE, ENTER = "\x1b", "\n"


class Keys:
    """`with Keys() as keys:` reads key presses from the terminal until the block ends."""

    def __init__(self) -> None:
        self.fd: int | None = None
        self._saved: list[Any] | None = None
        try:
            fd = sys.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            return
        if os.isatty(fd):
            self.fd = fd

    @property
    def live(self) -> bool:
        """Whether key presses can be read at all (standard input is a terminal)."""
        return self.fd is not None

    @property
    def selectable(self) -> int | None:
        """A file descriptor to wait on with `select`, where the OS allows it (POSIX)."""
        return None if sys.platform == "win32" else self.fd

    def __enter__(self) -> Keys:
        if self.fd is not None and sys.platform != "win32":
            import termios
            import tty

            try:
                self._saved = termios.tcgetattr(self.fd)
                tty.setcbreak(self.fd, termios.TCSANOW)
            except termios.error:  # not a real terminal after all (or one in the background)
                self._saved = None
                self.fd = None
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._saved is not None and self.fd is not None and sys.platform != "win32":
            import termios

            try:
                termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            except termios.error:
                pass
            self._saved = None

    def waiting(self) -> bool:
        """Whether a key press is waiting to be read."""
        if self.fd is None:
            return False
        if sys.platform == "win32":
            import msvcrt

            return bool(msvcrt.kbhit())
        import select

        return bool(select.select([self.fd], [], [], 0)[0])

    def read(self) -> str:
        """The keys pressed since the last call (Enter as `ENTER`), without waiting."""
        if self.fd is None:
            return ""
        if sys.platform == "win32":
            import msvcrt

            pressed = ""
            while msvcrt.kbhit():
                pressed += msvcrt.getwch()
            return pressed.replace("\r", ENTER)
        import select

        data = b""
        while select.select([self.fd], [], [], 0)[0]:
            chunk = os.read(self.fd, 1024)
            if not chunk:  # the terminal is gone
                self.fd = None
                break
            data += chunk
        return data.decode(errors="replace").replace("\r", ENTER)
