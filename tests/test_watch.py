"""`watch` in a real terminal: one screen that fits, keys, a save that cancels a grading, the pass
screen, Ctrl-C; and the screen itself, drawn for terminals of every size."""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree
from rich.cells import cell_len
from rich.console import Console
from terminal import CLEAR, ESCAPES, Terminal

from grader.commands.watch import Watcher, _Watch, polling_reason
from grader.engine import Cancelled, Engine
from grader.keys import Keys
from grader.loader import loaded_app
from grader.manifest import Exercise, load_track
from grader.results import ExerciseResult, ExerciseStatus, RunResult, SpecResult, SpecStatus
from grader.scorecard import Marks
from grader.screen import View, render

POSIX = pytest.mark.skipif(os.name != "posix", reason="drives a POSIX pseudo-terminal")

EXERCISE = "01_first_routes"
TRACK = load_track()
#: The screen after a grading: the footer, once the scorecard is drawn.
SCORECARD = re.compile(rb"specs \xc2\xb7 .*q quit", re.S)
PASSES = re.compile(rb"01 First routes passes!.*q quit", re.S)
LINES, COLUMNS = 24, 80
#: The heading of an exercise whose every spec passes ("37/37 specs").
ALL_PASS = re.compile(r"\b(\d+)/\1 specs")


def grader_terminal(*args: str, home: Path, size: tuple[int, int] = (LINES, COLUMNS)) -> Terminal:
    """`python -m grader ARGS` in a terminal of `size`, with its progress kept in `home`."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env |= {"KATA_HOME": str(home), "NO_COLOR": "1"}
    return Terminal([sys.executable, "-m", "grader", *args], env=env, cwd=ROOT, size=size)


@pytest.fixture
def stub(tmp_path: Path) -> Path:
    """A target folder holding copies of the stubs of exercises 01 and 05."""
    target = tmp_path / "exercises"
    for name in (EXERCISE, "05_crud"):
        copy_tree(ROOT / "exercises" / name, target / name)
    return target


def watch(stub: Path, *args: str) -> Terminal:
    terminal = grader_terminal("watch", *args, "--target", str(stub), home=stub.parent / "kata")
    terminal.wait_for(SCORECARD, timeout=60)
    return terminal


def screens(terminal: Terminal, start: int = 0) -> list[list[str]]:
    """Every screen drawn since `start`, as the lines a person reads."""
    drawn = terminal.output[start:].split(CLEAR)[1:]
    return [
        ESCAPES.sub(b"", screen).decode(errors="replace").rstrip("\r\n").split("\r\n")
        for screen in drawn
    ]


def flat(text: str) -> str:
    """`text` with its line breaks and runs of spaces as single spaces: wrapped lines rejoined."""
    return " ".join(text.split())


def solve(stub: Path) -> None:
    shutil.copy(ROOT / "solutions" / EXERCISE / "main.py", stub / EXERCISE / "main.py")


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


# --- in a terminal ------------------------------------------------------------------------------
@POSIX
def test_one_screen_fits_a_24_line_terminal(stub: Path) -> None:
    terminal = watch(stub)
    try:
        screen = terminal.screen()
        assert "FastAPI Kata" in screen and "0 of 2 exercises" not in screen  # the whole track
        assert re.search(r"\b0/\d+ specs", screen)
        assert re.search(r"Task 1: Look up a book  0/\d", screen)
        assert "hint: " in screen  # the hint that fits the first failure
        for task in TRACK.get(EXERCISE).tasks[1:]:  # folded to one line each
            assert f"Task {task.number}: {task.title}" in screen
        assert "n next · h hint · c compare · r re-run · l list · q quit" in screen
        start = terminal.press("l")
        terminal.wait_for(re.compile(rb"Type an exercise's number"), start=start)
        start = terminal.press("5\r")  # 05's stub fails more, and says more about it
        terminal.wait_for(re.compile(rb"05 \xc2\xb7 CRUD.*specs.*q quit", re.S), start=start)
        for drawn in screens(terminal):
            assert len(drawn) < LINES, "\n".join(drawn)
            assert all(cell_len(line) <= COLUMNS for line in drawn), "\n".join(drawn)
        assert "shows every spec" in terminal.screen()  # says that some were left out
    finally:
        terminal.close()


@POSIX
def test_keys_hint_list_rerun_next_and_quit(stub: Path) -> None:
    terminal = watch(stub)
    try:
        hints = TRACK.get(EXERCISE).tasks[0].hints
        start = terminal.press("h")
        terminal.wait_for(re.compile(rb"hint 1 of 3"), start=start)
        start = terminal.press("h")
        terminal.wait_for(re.compile(rb"hint 2 of 3"), start=start)
        assert flat(hints[1])[:30] in flat(terminal.screen())
        start = terminal.press("n")
        terminal.wait_for(re.compile(rb"has not passed yet"), start=start)
        start = terminal.press("r")
        terminal.wait_for(re.compile(rb"Grading 01_first_routes"), start=start)
        terminal.wait_for(SCORECARD, start=start)
        start = terminal.press("l")
        terminal.wait_for(re.compile(rb"01  First routes.*05  CRUD", re.S), start=start)
        start = terminal.press("\x1b")  # Esc: back to 01's scorecard, without a grading
        terminal.wait_for(re.compile(rb"01 \xc2\xb7 First routes.*q quit", re.S), start=start)
        assert "Grading" not in terminal.screen(start)
        start = terminal.press("q")
        assert terminal.finish() == 0
        assert "Stopped watching." in terminal.screen(start)
    finally:
        terminal.close()


@POSIX
def test_a_pass_stops_offers_compare_and_waits_for_a_key(stub: Path) -> None:
    terminal = watch(stub)
    try:
        start = len(terminal.output)
        solve(stub)
        terminal.wait_for(PASSES, start=start)
        screen = flat(terminal.screen(start))
        assert ALL_PASS.search(screen) and "c: compare your files" in screen
        assert "n: on to 05 CRUD with SQLAlchemy" in screen
        # It stays: no other grading starts until a key or a save says so.
        assert not terminal.read_until(
            re.compile(rb"Grading"), timeout=2, start=len(terminal.output)
        )
        start = terminal.press("c")
        terminal.wait_for(
            re.compile(rb"the same as the reference.*Any key goes back", re.S), start=start
        )
        start = terminal.press(" ")
        terminal.wait_for(PASSES, start=start)
        start = terminal.press("n")
        terminal.wait_for(re.compile(rb"05 \xc2\xb7 CRUD.*0/\d+ specs.*q quit", re.S), start=start)
    finally:
        terminal.close()


@POSIX
def test_a_passed_exercise_can_be_watched(stub: Path) -> None:
    solve(stub)
    terminal = watch(stub, "01")
    try:
        assert PASSES.search(terminal.screen().encode())
        start = len(terminal.output)
        main = stub / EXERCISE / "main.py"
        main.write_text(main.read_text() + "\n# refactored\n")
        terminal.wait_for(re.compile(rb"Grading"), start=start)
        terminal.wait_for(PASSES, start=start)
    finally:
        terminal.close()


@POSIX
@pytest.mark.parametrize("how", ["events", "--poll"])
def test_a_save_redraws_the_scorecard(stub: Path, how: str) -> None:
    terminal = watch(stub, *([how] if how == "--poll" else []))
    try:
        start = len(terminal.output)
        text = (ROOT / "solutions" / EXERCISE / "main.py").read_text()
        # Half done: the ISBN pattern accepts anything.
        broken = re.sub(r'ISBN_PATTERN = r"[^"]*"', 'ISBN_PATTERN = r".*"', text, count=1)
        (stub / EXERCISE / "main.py").write_text(broken)
        terminal.wait_for(re.compile(rb"\b([1-9]\d*)/(?!\1 )\d+ specs.*q quit", re.S), start=start)
        assert "Traceback" not in terminal.screen()
    finally:
        terminal.close()


@POSIX
def test_a_save_during_a_grading_cancels_it(stub: Path) -> None:
    # Grading this app would take a minute per spec: only a cancelled grading gets on in time.
    terminal = watch(stub, "--spec-timeout", "60")
    try:
        start = len(terminal.output)
        (stub / EXERCISE / "main.py").write_text("import time\n\ntime.sleep(60)\n")
        terminal.wait_for(re.compile(rb"Grading 01_first_routes"), start=start)
        time.sleep(0.5)  # well into the grading
        solve(stub)
        terminal.wait_for(PASSES, timeout=45, start=start)
        # Since the first save: "Grading" screens, then the solution's; never the hanging app's.
        drawn = ["\n".join(screen) for screen in screens(terminal, start)]
        assert all("Grading" in screen or ALL_PASS.search(screen) for screen in drawn), "\n\n".join(
            drawn
        )
        if Path("/proc/self").exists():
            assert len(leftovers(stub)) <= 2  # watch and its file watcher, nothing else
    finally:
        terminal.close()


@POSIX
def test_ctrl_c_quits_cleanly_even_while_grading(stub: Path) -> None:
    import termios

    terminal = grader_terminal("watch", "--target", str(stub), home=stub.parent / "kata")
    before = termios.tcgetattr(terminal.master)
    try:
        terminal.wait_for(SCORECARD, timeout=60)
        start = len(terminal.output)
        # An app that hangs while importing: the grading is surely under way at Ctrl-C.
        (stub / EXERCISE / "main.py").write_text("import time\ntime.sleep(60)\n")
        terminal.wait_for(re.compile(rb"Grading 01_first_routes"), start=start)
        time.sleep(0.5)
        os.write(terminal.master, b"\x03")
        code = terminal.finish()
        assert code == 0, terminal.screen()
        assert "Stopped watching." in terminal.screen() and "Traceback" not in terminal.screen()
        after = termios.tcgetattr(terminal.master)
        assert after[3] == before[3], "the terminal was left without echo or line editing"
        if Path("/proc/self").exists():
            assert leftovers(stub) == []
    finally:
        terminal.close()


@POSIX
def test_nothing_left_to_watch(stub: Path) -> None:
    shutil.rmtree(stub / "05_crud")
    solve(stub)
    terminal = watch(stub)
    try:
        terminal.wait_for(re.compile(rb"every other exercise has\s+passed too"))
        terminal.press("q")
        assert terminal.finish() == 0
    finally:
        terminal.close()
    terminal = grader_terminal("watch", "--target", str(stub), home=stub.parent / "kata")
    try:
        assert terminal.finish(timeout=60) == 0
        assert "has passed. Well done!" in flat(terminal.screen())
        assert "-s watch -- 01" in flat(terminal.screen())  # nox or python noxfile.py
    finally:
        terminal.close()


def test_local_folders_need_no_polling(tmp_path: Path) -> None:
    if Path("/proc/version").exists() and "microsoft" in Path("/proc/version").read_text().lower():
        pytest.skip("WSL always polls")
    assert polling_reason(tmp_path) is None or "drive" in str(polling_reason(tmp_path))


def test_a_cancelled_grading_leaves_nothing_running(tmp_path: Path) -> None:
    folder = copy_tree(ROOT / "exercises" / EXERCISE, tmp_path / EXERCISE)
    (folder / "main.py").write_text("import time\n\ntime.sleep(60)\n")
    engine = Engine(tmp_path, jobs=2)
    asked = []

    def cancel() -> bool:
        asked.append(time.monotonic())
        return len(asked) > 3

    engine.cancel_if = cancel
    with pytest.raises(Cancelled):
        engine.grade(TRACK.select(["01"]))
    assert engine._active == []
    assert not any(name.startswith("kata-") for name in os.listdir(tmp_path))


@pytest.mark.parametrize("fork", [True, False], ids=["fork", "spawn"])
def test_prepared_processes_grade_as_fresh_ones_do(tmp_path: Path, fork: bool) -> None:
    if not fork and os.name != "posix":
        pytest.skip("spawned processes are graded the same way on POSIX")
    solution = copy_tree(ROOT / "solutions" / EXERCISE, tmp_path / EXERCISE)
    text = (solution / "main.py").read_text()
    (solution / "main.py").write_text(text.replace("return books[:limit]", "return books"))
    engine = Engine(tmp_path, jobs=2, fork=fork)
    engine.tidy_later = True
    fresh = engine.grade(TRACK.select(["01"])).exercises[0]
    engine.prepare(TRACK.select(["01"]))
    (prepared_plan,) = engine._ready.values()
    held = [run.process for run in prepared_plan]
    assert len(held) == 2 and all(process is not None for process in held)
    prepared = engine.grade(TRACK.select(["01"])).exercises[0]
    assert [(s.id, s.status) for s in prepared.specs] == [(s.id, s.status) for s in fresh.specs]
    assert 0 < prepared.passed < prepared.total
    assert engine._ready == {}
    alone = Engine(tmp_path, jobs=1, fork=fork).grade(TRACK.select(["01"])).exercises[0]
    assert [spec.id for spec in alone.specs] == [spec.id for spec in prepared.specs]  # in order
    left = engine._trash[:]
    assert left and all(folder.exists() for folder in left)  # until the screen is drawn
    engine.tidy()
    assert not any(folder.exists() for folder in left)


@pytest.mark.parametrize("fork", [True, False], ids=["fork", "spawn"])
def test_a_prepared_process_grades_the_files_as_saved_after_it_started(
    tmp_path: Path, fork: bool
) -> None:
    if not fork and os.name != "posix":
        pytest.skip("spawned processes are graded the same way on POSIX")
    folder = copy_tree(ROOT / "solutions" / EXERCISE, tmp_path / EXERCISE)
    engine = Engine(tmp_path, jobs=2, fork=fork)
    engine.prepare(TRACK.select(["01"]))
    held = {run.process.pid for plan in engine._ready.values() for run in plan if run.process}
    assert held
    main = folder / "main.py"  # saved while they wait: half done again
    main.write_text(main.read_text().replace("return books[:limit]", "return books"))
    graded = engine.grade(TRACK.select(["01"])).exercises[0]
    assert 0 < graded.passed < graded.total, "the files as they were before the save were graded"
    assert not held & engine._keep, "the processes this grading took over are its own to end"


def test_prepared_processes_nobody_takes_are_stopped(tmp_path: Path) -> None:
    for name in (EXERCISE, "05_crud"):
        copy_tree(ROOT / "exercises" / name, tmp_path / name)
    engine = Engine(tmp_path, jobs=2)
    engine.prepare(TRACK.select(["01"]))
    pids = [run.process.pid or 0 for plan in engine._ready.values() for run in plan if run.process]
    assert pids and all(_running(pid) for pid in pids)
    engine.grade(TRACK.select(["05"]))  # not what they were prepared for
    assert not any(_running(pid) for pid in pids)
    assert engine._ready == {}


def test_a_held_process_ends_when_the_grader_goes_away(tmp_path: Path) -> None:
    copy_tree(ROOT / "exercises" / EXERCISE, tmp_path / EXERCISE)
    engine = Engine(tmp_path, jobs=2)
    engine.prepare(TRACK.select(["01"]))
    (plan,) = engine._ready.values()
    first, second = (run.process for run in plan)
    assert first is not None and second is not None
    # As if the grader had died: its end of the first one's pipe closes. The second one was
    # forked later and must not hold that pipe open.
    first.close()
    deadline = time.monotonic() + 30
    while _running(first.pid or 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(first.pid or 0), "a process forked later holds its pipe open"
    assert first.wait() == "exited with code 0"  # without running a spec
    assert _running(second.pid or 0)  # still waiting for its word
    engine.discard()
    assert not _running(second.pid or 0)


def test_an_app_saved_between_two_imports_is_compiled_again(tmp_path: Path) -> None:
    folder = tmp_path / EXERCISE
    folder.mkdir()
    main = folder / "main.py"
    main.write_text("app = 'first'\n")
    with loaded_app(folder) as first:
        assert first.app == "first"
    with loaded_app(folder) as again:  # the same source: compiled once, run afresh
        assert again.app == "first" and again.module is not first.module
    main.write_text("app = 'second'\n")
    with loaded_app(folder) as second:
        assert second.app == "second"
    assert not (folder / "__pycache__").exists()


class _QuietWatcher(Watcher):
    """A file watcher that never reports a save: as if its report were still on the way."""

    def __init__(self) -> None:
        self.fd = None
        self.lines = None
        self.buffer = b""
        self.ended = False

    def saved(self, exercise: str) -> bool:
        return False


class _SavingEngine(Engine):
    """An engine whose first grading sees the learner save in the middle of it."""

    def __init__(self, target: Path, folder: Path) -> None:
        super().__init__(target)
        self.folder = folder
        self.gradings = 0

    def grade(self, exercises: Sequence[Exercise]) -> RunResult:
        self.gradings += 1
        if self.gradings == 1:
            (self.folder / "main.py").write_text("saved = 'during the grading'\n")
        result = _result(failing=24 - self.gradings)  # each grading scores differently
        return RunResult(target="exercises", exercises=[result], started_at="")

    def prepare(self, exercises: Sequence[Exercise]) -> None:
        pass


def test_a_grading_of_files_that_changed_under_it_is_never_shown(tmp_path: Path) -> None:
    folder = copy_tree(ROOT / "exercises" / EXERCISE, tmp_path / "exercises" / EXERCISE)
    engine = _SavingEngine(folder.parent, folder)
    output = io.StringIO()
    console = Console(file=output, width=100, height=40, color_system=None)
    with Keys() as keys:
        watch = _Watch(
            console, TRACK, folder.parent, engine, _QuietWatcher(), keys, TRACK.get(EXERCISE), "…"
        )
        assert not watch._grade()  # the save is seen after the grading: it is thrown away
        assert watch.stale and "1/24 specs" not in output.getvalue()
        assert watch._grade()
    assert engine.gradings == 2 and "2/24 specs" in output.getvalue()


def _running(pid: int) -> bool:
    """Whether `pid` is a process that still runs (not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


# --- the screen ---------------------------------------------------------------------------------
def _result(failing: int, message: str = "GET /x → expected 200, got 500") -> ExerciseResult:
    """Exercise 01 with its first `failing` specs failing, each with a long reason."""
    exercise = TRACK.get(EXERCISE)
    specs = []
    for index in range(24):
        task = exercise.tasks[min(index // 5, len(exercise.tasks) - 1)].number
        failed = index < failing
        specs.append(
            SpecResult(
                id=f"{EXERCISE}/test.py::test_{index}",
                name=f"test_{index}",
                description=f"Spec {index} checks something described at some length " * 2,
                task=task,
                status=SpecStatus.FAILED if failed else SpecStatus.PASSED,
                message=(message + "\n" + "more detail " * 20) if failed else None,
                hint="A hint that fits the rule. " * 4 if failed else None,
                output="printed by the app\n" * 5 if failed else "",
            )
        )
    return ExerciseResult(1, "first_routes", "First routes", 10.0, specs=specs)


def _screen(
    result: ExerciseResult | None,
    lines: int,
    columns: int,
    *,
    hints: tuple[int, int] = (0, 0),
    note: str | None = None,
    grading: bool = False,
) -> list[str]:
    console = Console(width=columns, height=lines, color_system=None, force_terminal=True)
    shown = View(
        track=TRACK,
        exercise=TRACK.get(EXERCISE),
        folder="exercises/01_first_routes",
        how="file events",
        result=result,
        hints=hints,
        note=note,
        grading=grading,
    )
    return [line.plain for line in render(shown, columns, lines, Marks(console))]


@pytest.mark.parametrize("size", [(24, 80), (12, 40), (40, 200), (8, 30)])
@pytest.mark.parametrize("failing", [0, 1, 7, 24])
def test_the_screen_fits_every_terminal(size: tuple[int, int], failing: int) -> None:
    lines, columns = size
    screen = _screen(_result(failing), lines, columns, hints=(1, 3), note="a note " * 30)
    assert len(screen) < lines, "\n".join(screen)
    assert all(cell_len(line) <= columns for line in screen), "\n".join(screen)
    assert screen[0].startswith("FastAPI Kata") and "q quit" in "".join(screen[-2:])
    if failing and lines >= 12:
        assert any("Task 1" in line for line in screen)
        assert any("Spec 0 checks" in line for line in screen)  # the first failure, always


def test_the_first_failure_comes_with_its_reason_hint_and_output() -> None:
    screen = "\n".join(_screen(_result(3), 40, 120))
    assert "GET /x → expected 200, got 500" in screen
    assert "hint: A hint that fits the rule." in screen
    assert "the app printed:" in screen
    assert "Task 2" in screen and "Task 2: Browse the catalogue  5/5" in screen


def test_the_screen_shows_control_characters_instead_of_obeying_them() -> None:
    screen = "\n".join(_screen(_result(1, message="\x1b[2J\x1b]0;pwned\x07 evil"), 24, 80))
    assert "\x1b" not in screen and "\x07" not in screen
    assert "^[[2J" in screen


def test_an_app_that_does_not_load_is_said_in_one_place() -> None:
    result = _result(24)
    result.failure = ExerciseStatus.ERROR
    result.message = "importing main raised NameError (main.py, line 3)"
    for spec in result.specs:
        spec.status, spec.message = SpecStatus.NOT_RUN, f"not run: {result.message}"
    screen = "\n".join(_screen(result, 24, 80))
    assert "importing main raised NameError (main.py, line 3)" in screen
    assert "Task 1" not in screen


def test_while_grading_no_result_is_shown() -> None:
    screen = "\n".join(_screen(_result(3), 24, 80, grading=True))
    assert "Grading 01_first_routes" in screen and "specs" not in screen
