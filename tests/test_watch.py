"""`watch` in a real terminal session: edit a file, see the new result; Ctrl-C quits cleanly."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree

from grader.commands.watch import polling_reason

pytestmark = pytest.mark.skipif(os.name != "posix", reason="drives a POSIX pseudo-terminal")

EXERCISE = "01_first_routes"
CLEAR = b"\x1b[2J"
WATCHING = re.compile(rb"Save a file to grade it again")


class Terminal:
    """`python -m grader ARGS` in a pseudo-terminal that is its controlling terminal."""

    def __init__(self, *args: str, home: Path) -> None:
        import fcntl
        import termios

        master, slave = os.openpty()

        def controlling_terminal() -> None:  # so that Ctrl-C on the terminal reaches it
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        env = {**os.environ, "KATA_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "120"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader", *args],
            cwd=ROOT,
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
        """What the terminal shows now: the output since the last clear."""
        return self.output[start:].rsplit(CLEAR, 1)[-1].decode(errors="replace")

    def wait_for(self, pattern: re.Pattern[bytes], timeout: float = 30, start: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while not pattern.search(self.output[start:].rsplit(CLEAR, 1)[-1]):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.master], [], [], max(left, 0))
            data = b""
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    data = b""
            if not data:
                raise AssertionError(f"no {pattern.pattern!r} in:\n{self.screen(start)}")
            self.output += data

    def finish(self, timeout: float = 15) -> int:
        """Wait for the command to end, reading what it prints."""
        try:
            while True:
                ready, _, _ = select.select([self.master], [], [], timeout)
                data = os.read(self.master, 65536) if ready else b""
                if not data:
                    break
                self.output += data
        except OSError:
            pass
        return self.process.wait(timeout=timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self.master)


@pytest.fixture
def stub(tmp_path: Path) -> Path:
    """A target folder holding only a copy of exercise 01's stub."""
    return copy_tree(ROOT / "exercises" / EXERCISE, tmp_path / "exercises" / EXERCISE).parent


def watch(stub: Path, *args: str) -> Terminal:
    terminal = Terminal("watch", *args, "--target", str(stub), home=stub.parent / "kata")
    terminal.wait_for(WATCHING, timeout=60)
    return terminal


def leftovers(stub: Path) -> list[int]:
    """Processes still running that were started to grade or watch `stub`."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(stub).encode() in command:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("how", ["events", "--poll"])
def test_a_save_redraws_the_scorecard_and_passing_moves_on(stub: Path, how: str) -> None:
    terminal = watch(stub, *([how] if how == "--poll" else []))
    try:
        assert re.search(r"0/\d+ specs", terminal.screen()), terminal.screen()
        start = len(terminal.output)
        shutil.copy(ROOT / "solutions" / EXERCISE / "main.py", stub / EXERCISE / "main.py")
        terminal.wait_for(re.compile(rb"passes, and so does every exercise"), start=start)
        screen = terminal.screen(start)
        assert re.search(r"(\d+)/\1 specs", screen) and "10/10 points" in screen
        assert terminal.finish() == 0  # nothing left to do in this target
        assert "Traceback" not in terminal.screen()
    finally:
        terminal.close()


def test_ctrl_c_quits_cleanly_even_while_grading(stub: Path) -> None:
    terminal = watch(stub)
    try:
        start = len(terminal.output)
        # An app that hangs while importing: the grading is surely under way at Ctrl-C.
        (stub / EXERCISE / "main.py").write_text("import time\ntime.sleep(60)\n")
        terminal.wait_for(re.compile(rb"grading 01_first_routes"), start=start)
        time.sleep(0.5)
        os.write(terminal.master, b"\x03")
        code = terminal.finish()
        assert code == 0, terminal.screen()
        assert "Stopped watching." in terminal.screen() and "Traceback" not in terminal.screen()
        if Path("/proc/self").exists():
            assert leftovers(stub) == []
    finally:
        terminal.close()


def test_no_exercise_left_to_watch(stub: Path) -> None:
    shutil.copy(ROOT / "solutions" / EXERCISE / "main.py", stub / EXERCISE / "main.py")
    terminal = Terminal("watch", "--target", str(stub), home=stub.parent / "kata")
    try:
        terminal.wait_for(re.compile(rb"passes, and so does every exercise"), timeout=60)
        assert terminal.finish() == 0
    finally:
        terminal.close()


def test_local_folders_need_no_polling(tmp_path: Path) -> None:
    if "microsoft" in Path("/proc/version").read_text(errors="replace").lower():
        pytest.skip("WSL always polls")
    assert polling_reason(tmp_path) is None or "drive" in str(polling_reason(tmp_path))
