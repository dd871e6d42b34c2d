"""A command in a pseudo-terminal that is its controlling terminal, as a person would run it:
what it shows, and Ctrl-C that reaches it. POSIX only (`os.openpty`); shared by the watch tests
and `benchmarks/watch_latency.py`."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import time
from pathlib import Path

#: What rich prints to clear the screen: a scorecard redrawn starts after the last one.
CLEAR = b"\x1b[2J"
#: Escape sequences that style text or move the cursor: not what a person reads.
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """`command` running in a pseudo-terminal, and everything it printed there."""

    def __init__(
        self,
        command: list[str],
        *,
        env: dict[str, str],
        cwd: Path,
        size: tuple[int, int] = (24, 80),
    ) -> None:
        """`size` is the terminal's (lines, columns)."""
        import fcntl
        import struct
        import termios

        master, slave = os.openpty()
        lines, columns = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))

        def controlling_terminal() -> None:  # so that Ctrl-C on the terminal reaches it
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            preexec_fn=controlling_terminal,
        )
        os.close(slave)
        self.master = master
        self.output = b""

    def screen(self, start: int = 0) -> str:
        """What the terminal shows now: the text since the last clear after `start`."""
        return self._screen(start).decode(errors="replace")

    def read_until(self, pattern: re.Pattern[bytes], timeout: float, start: int = 0) -> bool:
        """Read until the screen after `start` matches `pattern`; False if it never does."""
        deadline = time.monotonic() + timeout
        while not pattern.search(self._screen(start)):
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                return bool(pattern.search(self._screen(start)))
        return True

    def wait_for(self, pattern: re.Pattern[bytes], timeout: float = 30, start: int = 0) -> None:
        """Like `read_until`, but a screen that never matches fails the test, showing it."""
        if not self.read_until(pattern, timeout, start):
            raise AssertionError(f"no {pattern.pattern!r} in:\n{self.screen(start)}")

    def press(self, keys: str) -> int:
        """Type `keys` on the terminal; where the output stood before, for `wait_for`'s start."""
        start = len(self.output)
        os.write(self.master, keys.encode())
        return start

    def interrupt(self, timeout: float = 15) -> int:
        """Press Ctrl-C, and return the exit status once the command has ended."""
        os.write(self.master, b"\x03")
        return self.finish(timeout)

    def finish(self, timeout: float = 15) -> int:
        """Wait for the command to end, reading what it prints; its exit status."""
        while self._read(timeout):
            pass
        return self.process.wait(timeout=timeout)

    def close(self) -> None:
        """Kill the command if it still runs, and close the terminal."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self.master)

    def _screen(self, start: int) -> bytes:
        return ESCAPES.sub(b"", self.output[start:].rsplit(CLEAR, 1)[-1])

    def _read(self, timeout: float) -> bool:
        """Read what arrives within `timeout`; False once nothing more will."""
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the other end closed: the command ended
            return False
        self.output += data
        return bool(data)
