"""A grading stopped from outside (Ctrl-C, SIGTERM, a closed terminal, even SIGKILL) leaves
nothing running, no temporary folder and a whole `.kata/`; `watch` grades again only on the
learner's own saves."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from cases import build
from conftest import ROOT, TAG, copy_tree, tagged

from grader import containment, processes
from grader.engine import Engine
from grader.manifest import load_track
from grader.progress import Store
from grader.results import ExerciseResult, RunResult, SpecResult, SpecStatus
from grader.worker import Job

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="finds leftover processes through /proc"
)

EXERCISE = "01_first_routes"
#: `watch`'s screen once a grading is shown: the heading's count of specs, then the keys.
SCORECARD = re.compile(rb"specs \xc2\xb7 .*q quit", re.S)
#: The solution, which at every import starts a process in a session of its own and says it
#: is running, and whose GET /users/me hangs.
HANGS = [
    {
        "old": "app = FastAPI(",
        "new": "import os\nimport subprocess\nfrom pathlib import Path as _Path\n\n"
        'subprocess.Popen(["sleep", "1000"], start_new_session=True)\n'
        '_Path(os.environ["KATA_TEST_READY"]).touch()\n\napp = FastAPI(',
    },
    {
        "old": "def read_current_user() -> User:\n",
        "new": "def read_current_user() -> User:\n    import time\n\n"
        "    while True:\n        time.sleep(0.05)\n",
    },
]


def start_grading(tmp_path: Path, tag: str) -> tuple[subprocess.Popen[bytes], Path]:
    """The grader grading the hanging app, once the app is running; and its temporary folder."""
    target = tmp_path / "target"
    build("solutions", EXERCISE, HANGS, target)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    ready = tmp_path / "ready"
    env = {
        **os.environ,
        TAG: tag,
        "KATA_TEST_READY": str(ready),
        "KATA_HOME": str(tmp_path / "kata"),
        **dict.fromkeys(("TMPDIR", "TEMP", "TMP"), str(scratch)),
    }
    command = [sys.executable, "-m", "grader", "grade", "01", "--target", str(target)]
    grader = subprocess.Popen(
        [*command, "--spec-timeout", "120", "--jobs", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert grader.poll() is None, grader.communicate()
        assert time.monotonic() < deadline, "the grading never started"
        time.sleep(0.05)
    time.sleep(0.5)  # well into the grading: specs run, processes started
    return grader, scratch


def none_left(tag: str) -> list[int]:
    """Processes of the test still running, after the moment SIGKILL takes to land."""
    deadline = time.monotonic() + 5
    while tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.05)
    return tagged(tag)


def recorded(home: Path) -> None:
    """One grading in the progress at `home`, as an earlier run would have left it."""
    spec = SpecResult(id="x::t", name="t", description="d", task=1, status=SpecStatus.PASSED)
    exercise = ExerciseResult(
        number=1, slug="first_routes", title="First routes", max_score=10.0, specs=[spec]
    )
    run = RunResult(target="exercises", exercises=[exercise], started_at="")
    Store(home).record(run, ROOT / "exercises")


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_stopped_grading_leaves_nothing_behind(tmp_path: Path, name: str) -> None:
    signum = getattr(signal, name)
    home = tmp_path / "kata"
    recorded(home)
    tag = uuid.uuid4().hex
    grader, scratch = start_grading(tmp_path, tag)
    assert tagged(tag), "the app's processes should be running"
    sent = time.monotonic()
    grader.send_signal(signum)
    _, err = grader.communicate(timeout=60)
    took = time.monotonic() - sent
    assert grader.returncode == 128 + signum, err
    assert "Traceback" not in err.decode()
    # The issue asks for a second, and a quiet machine takes less; a busy one can take several.
    # The bound is there to catch a grader that waits for its hung spec (120 s here) instead.
    assert took < 30, f"stopping took {took:.1f} s"
    assert none_left(tag) == [], "processes of the grading were left running"
    assert list(scratch.iterdir()) == [], "temporary folders were left behind"
    said: list[str] = []
    gradings = Store(home, warn=said.append).gradings()
    assert len(gradings) == 1 and said == [], said
    assert not [path for path in home.iterdir() if ".corrupt-" in path.name or ".tmp" in path.name]


#: Armed by a test: the next fork of this process is followed at once by Ctrl-C.
_CTRL_C_AFTER_NEXT_FORK: list[bool] = []


def _ctrl_c_if_armed() -> None:
    if _CTRL_C_AFTER_NEXT_FORK:
        _CTRL_C_AFTER_NEXT_FORK.clear()
        os.kill(os.getpid(), signal.SIGINT)


os.register_at_fork(after_in_parent=_ctrl_c_if_armed)


def test_ctrl_c_in_the_middle_of_a_fork_stops_the_grading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C landing in Python's fork handlers, as it can when a grading process starts, is
    neither printed there and lost nor leaves the new process running."""
    copy_tree(ROOT / "solutions" / EXERCISE, tmp_path / EXERCISE)
    started: list[processes.Process] = []
    start = processes.start

    def start_and_keep(job: Job, *, fork: bool) -> processes.Process:
        started.append(start(job, fork=fork))
        return started[-1]

    monkeypatch.setattr(processes, "start", start_and_keep)
    engine = Engine(tmp_path, jobs=2, fork=True)
    _CTRL_C_AFTER_NEXT_FORK.append(True)
    with pytest.raises(KeyboardInterrupt):
        engine.grade(load_track().select(["01"]))
    assert len(started) == 1, "the grading went on after Ctrl-C"
    assert not Path(f"/proc/{started[0].pid}").exists(), "its grading process was left running"


def test_what_a_killed_grader_left_is_cleaned_by_the_next_run(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex
    grader, scratch = start_grading(tmp_path, tag)
    grader.kill()  # SIGKILL: the grader cannot clean up
    grader.communicate(timeout=60)
    assert tagged(tag), "the app's processes should have outlived a killed grader"
    assert [path.name for path in scratch.iterdir() if path.name.startswith("kata-grading-")]
    stub = copy_tree(ROOT / "exercises" / EXERCISE, tmp_path / "stub" / EXERCISE).parent
    env = {**os.environ, "KATA_HOME": str(tmp_path / "kata"), TAG: "next"}
    env.update(dict.fromkeys(("TMPDIR", "TEMP", "TMP"), str(scratch)))
    subprocess.run(
        [sys.executable, "-m", "grader", "grade", "01", "--target", str(stub), "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert none_left(tag) == [], "the next run left the killed grader's processes running"
    assert list(scratch.iterdir()) == [], "the next run left the killed grader's folders"


def test_watch_grades_again_only_on_the_learners_saves(tmp_path: Path) -> None:
    """An app that writes beside itself (a log, a database) does not make watch grade again."""
    from terminal import Terminal

    edits = [
        {
            "old": "app = FastAPI(",
            "new": "import time\nfrom pathlib import Path as _Path\n\n"
            '_Path(__file__).with_name("app.log").write_text(str(time.time()))\n\n'
            "app = FastAPI(",
        }
    ]
    target = tmp_path / "exercises"
    folder = build("exercises", EXERCISE, edits, target)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env |= {"KATA_HOME": str(tmp_path / "kata"), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "grader", "watch", "01", "--target", str(target)]
    terminal = Terminal(command, env=env, cwd=ROOT)
    try:
        terminal.wait_for(SCORECARD, timeout=60)
        # Long enough for several gradings, were the app's writes taken for saves.
        terminal.read_until(re.compile(rb"(Grading 01_first_routes.*){2}", re.S), timeout=4)
        assert terminal.output.count(b"Grading 01_first_routes") == 1, terminal.screen()
        assert not (folder / "app.log").exists()
        start = len(terminal.output)
        main = folder / "main.py"
        main.write_text(main.read_text() + "\n# a save\n")
        terminal.wait_for(re.compile(rb"Grading 01_first_routes"), start=start)
    finally:
        terminal.close()


def test_gradings_go_to_memory_only_when_it_has_room_and_tmpdir_names_no_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMPDIR", raising=False)
    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setattr(containment, "MEMORY_FOLDER", memory)
    monkeypatch.setattr(containment, "MEMORY_FOLDER_ROOM_MB", 1)
    assert containment.workspaces_root() == memory
    folder, _ = containment.new_workspace()
    try:
        assert folder.parent == memory
        (folder / "upload.bin").write_bytes(b"x" * 3 * 1024 * 1024)
        assert containment.stored_mb(folder) >= 3  # counts towards --memory
    finally:
        containment.remove_workspace(folder)
    monkeypatch.setattr(containment, "MEMORY_FOLDER_ROOM_MB", 10**12)  # too little room
    assert containment.workspaces_root() != memory
    monkeypatch.setattr(containment, "MEMORY_FOLDER_ROOM_MB", 1)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the learner's choice wins
    assert containment.workspaces_root() != memory
    assert containment.stored_mb(tmp_path) == 0  # on disk, files are not memory
