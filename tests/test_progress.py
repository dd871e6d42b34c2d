"""`.kata/`: gradings are recorded whole, read back right, and never corrupted by Ctrl-C or by two
gradings at once; a file that cannot be trusted is set aside, not deleted."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree

from grader.progress import HISTORY, SUMMARY, Store
from grader.results import ExerciseResult, RunResult, SpecResult, SpecStatus
from grader.storage import Lock, LockTimeout

TARGET = Path("/somewhere/exercises")


def run_of(passed: int, total: int = 4, number: int = 1, slug: str = "first_routes") -> RunResult:
    """A run of one exercise whose first `passed` specs passed; spec i belongs to task i."""
    specs = [
        SpecResult(
            id=f"{number:02d}_{slug}/test_{i}.py::test_{i}",
            name=f"test_{i}",
            description=f"spec {i}",
            task=i + 1,
            status=SpecStatus.PASSED if i < passed else SpecStatus.FAILED,
        )
        for i in range(total)
    ]
    exercise = ExerciseResult(number=number, slug=slug, title="T", max_score=10.0, specs=specs)
    return RunResult(target="exercises", exercises=[exercise], started_at="")


def warnings_of(store: Store) -> list[str]:
    said: list[str] = []
    store.warn = said.append
    return said


def aside(home: Path) -> list[str]:
    return sorted(path.name for path in home.iterdir() if ".corrupt-" in path.name)


def test_best_score_first_pass_and_last_result(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.progress(TARGET) == {}
    store.record(run_of(1), TARGET)
    store.record(run_of(4), TARGET)
    store.record(run_of(2), TARGET)
    known = store.progress(TARGET)["01_first_routes"]
    assert known.best_score == 10.0
    assert known.done and known.first_passed is not None
    assert known.last_status == "in_progress" and known.last_score == 5.0
    assert known.unfinished_tasks == (3, 4)
    assert len(store.gradings()) == 3
    assert Store(tmp_path).progress(Path("/elsewhere")) == {}  # each target apart


def test_each_spec_result_is_in_the_history(tmp_path: Path) -> None:
    Store(tmp_path).record(run_of(1, total=2), TARGET)
    lines = (tmp_path / HISTORY).read_text().splitlines()
    assert json.loads(lines[0])["format"] == "fastapi-kata-history"
    grading = json.loads(lines[1])
    assert grading["exercise"] == "01_first_routes" and grading["score"] == 5.0
    assert [status for _, _, status in grading["specs"]] == ["passed", "failed"]


def test_a_summary_behind_the_history_catches_up(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.record(run_of(1), TARGET)
    before = (tmp_path / SUMMARY).read_bytes()
    store.record(run_of(4), TARGET)
    # As if the grader was stopped between appending to the history and writing the summary.
    (tmp_path / SUMMARY).write_bytes(before)
    assert store.progress(TARGET)["01_first_routes"].done


def test_a_corrupt_summary_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.record(run_of(4), TARGET)
    (tmp_path / SUMMARY).write_text("{not json")
    said = warnings_of(store)
    assert store.progress(TARGET)["01_first_routes"].done
    assert len(said) == 1 and "set aside" in said[0] and "\n" not in said[0]
    assert aside(tmp_path) == [n for n in aside(tmp_path) if n.startswith(SUMMARY)]
    (corrupt,) = aside(tmp_path)
    assert (tmp_path / corrupt).read_text() == "{not json"  # kept, not deleted


def test_a_foreign_history_is_set_aside_not_trusted(tmp_path: Path) -> None:
    (tmp_path / HISTORY).write_text('{"format": "something else", "version": 1, "id": "x"}\n')
    store = Store(tmp_path)
    said = warnings_of(store)
    assert store.progress(TARGET) == {}
    assert said and aside(tmp_path)[0].startswith(HISTORY)
    store.record(run_of(2), TARGET)
    assert store.progress(TARGET)["01_first_routes"].best_score == 5.0


def test_a_line_cut_short_is_never_trusted(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.record(run_of(4), TARGET)
    with open(tmp_path / HISTORY, "ab") as history:
        history.write(b'{"time": "2030-01-01", "target": "x"')  # a grader killed mid-write
    said = warnings_of(store)
    assert store.progress(TARGET)["01_first_routes"].done  # the cut line is left alone
    store.record(run_of(1), TARGET)  # …until the next append, which sets the history aside
    assert said and aside(tmp_path)[0].startswith(HISTORY)
    known = store.progress(TARGET)["01_first_routes"]
    assert known.done and known.best_score == 10.0 and known.last_score == 2.5


def test_a_bad_line_in_the_middle_sets_the_history_aside(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.record(run_of(1), TARGET)
    (tmp_path / SUMMARY).unlink()
    with open(tmp_path / HISTORY, "ab") as history:
        history.write(b'{"hello": "world"}\n')
    said = warnings_of(store)
    assert store.progress(TARGET) == {}
    assert len(said) == 1 and aside(tmp_path)[0].startswith(HISTORY)


def _record_many(home: str, count: int, passed: int) -> None:
    store = Store(Path(home))
    for _ in range(count):
        store.record(run_of(passed), TARGET)


def test_two_recorders_at_once_lose_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_record_many, args=(str(tmp_path), 30, passed)) for passed in (1, 4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    store = Store(tmp_path)
    said = warnings_of(store)
    assert len(store.gradings()) == 60
    assert store.progress(TARGET)["01_first_routes"].best_score == 10.0
    assert said == [] and aside(tmp_path) == []


def test_a_lock_held_elsewhere_makes_a_writer_wait(tmp_path: Path) -> None:
    with Lock(tmp_path / "lock"), pytest.raises(LockTimeout):
        with Lock(tmp_path / "lock", timeout=0.05):
            pass


RECORD_FOREVER = """
import sys
from pathlib import Path
sys.path[:0] = [sys.argv[2], sys.argv[3]]
from test_progress import run_of, TARGET
from grader.progress import Store
store = Store(Path(sys.argv[1]))
print("ready", flush=True)
while True:
    store.record(run_of(2), TARGET)
"""


def test_ctrl_c_while_recording_leaves_the_store_whole(tmp_path: Path) -> None:
    tests = str(Path(__file__).parent)
    for delay in (0.05, 0.17, 0.29):
        child = subprocess.Popen(
            [sys.executable, "-c", RECORD_FOREVER, str(tmp_path), tests, str(ROOT)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # the KeyboardInterrupt's traceback
        )
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        time.sleep(delay)
        child.send_signal(signal.SIGINT)
        child.wait(10)
    store = Store(tmp_path)
    said = warnings_of(store)
    assert store.progress(TARGET)["01_first_routes"].best_score == 5.0
    store.record(run_of(3), TARGET)  # and the store takes more
    assert len(store.gradings()) > 4
    assert store.progress(TARGET)["01_first_routes"].best_score == 7.5
    assert said == [] and aside(tmp_path) == []
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def _grade(target: Path, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "KATA_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "grader", "grade", "01", "--target", str(target), "-q"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_a_grading_process(pid: int) -> None:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if children.read_text().strip():
                return
        except OSError:
            time.sleep(2.0)  # no /proc here: give the grader time to start grading
            return
        time.sleep(0.02)


def test_real_gradings_interrupted_and_at_once(tmp_path: Path) -> None:
    target = tmp_path / "exercises"
    copy_tree(ROOT / "solutions" / "01_first_routes", target / "01_first_routes")
    home = tmp_path / "kata"
    interrupted, *both = (_grade(target, home) for _ in range(3))
    _wait_for_a_grading_process(interrupted.pid)
    time.sleep(0.3)  # half way through the grading
    interrupted.send_signal(signal.SIGINT)
    _, err = interrupted.communicate(timeout=30)
    assert "Traceback" not in err
    for grading in both:
        out, err = grading.communicate(timeout=60)
        assert grading.returncode == 0, out + err
    store = Store(home)
    said = warnings_of(store)
    gradings = store.gradings()
    assert len(gradings) in (2, 3)  # the interrupted one may have finished in time
    assert all(g.status == "passed" and g.total == len(g.specs) for g in gradings)
    assert store.progress(target)["01_first_routes"].done
    assert said == [] and aside(home) == []
