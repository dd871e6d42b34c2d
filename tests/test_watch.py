"""`watch` in a real terminal session: edit a file, see the new result; Ctrl-C quits cleanly."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree
from terminal import Terminal

from grader.commands.watch import polling_reason

pytestmark = pytest.mark.skipif(os.name != "posix", reason="drives a POSIX pseudo-terminal")

EXERCISE = "01_first_routes"
WATCHING = re.compile(rb"Save a file to grade it again")


def grader_terminal(*args: str, home: Path) -> Terminal:
    """`python -m grader ARGS` in a terminal, with its progress kept in `home`."""
    env = {**os.environ, "KATA_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "120"}
    return Terminal([sys.executable, "-m", "grader", *args], env=env, cwd=ROOT)


@pytest.fixture
def stub(tmp_path: Path) -> Path:
    """A target folder holding only a copy of exercise 01's stub."""
    return copy_tree(ROOT / "exercises" / EXERCISE, tmp_path / "exercises" / EXERCISE).parent


def watch(stub: Path, *args: str) -> Terminal:
    terminal = grader_terminal("watch", *args, "--target", str(stub), home=stub.parent / "kata")
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
    terminal = grader_terminal("watch", "--target", str(stub), home=stub.parent / "kata")
    try:
        terminal.wait_for(re.compile(rb"passes, and so does every exercise"), timeout=60)
        assert terminal.finish() == 0
    finally:
        terminal.close()


def test_local_folders_need_no_polling(tmp_path: Path) -> None:
    if "microsoft" in Path("/proc/version").read_text(errors="replace").lower():
        pytest.skip("WSL always polls")
    assert polling_reason(tmp_path) is None or "drive" in str(polling_reason(tmp_path))
