"""The engine through the pipes Windows has: spawned grading processes read by threads."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree

from grader import processes
from grader.engine import Engine, Limits
from grader.manifest import load_track
from grader.results import ExerciseStatus, SpecStatus


def _open_fds() -> int | None:
    fds = Path("/proc/self/fd")
    return len(list(fds.iterdir())) if fds.is_dir() else None


def test_reader_threads_grade_hangs_and_restarts_without_leaking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(processes, "CAN_SELECT_PIPES", False)  # as on Windows
    folder = copy_tree(ROOT / "solutions" / "01_first_routes", tmp_path / "01_first_routes")
    main = folder / "main.py"
    text = main.read_text(encoding="utf-8")
    head = "def read_current_user() -> User:\n"
    main.write_text(text.replace(head, head + "    while True:\n        pass\n", 1))
    before = _open_fds()

    # The default spec limit: a spawned process's specs must pass within it on a busy machine too.
    engine = Engine(tmp_path, limits=Limits(spec=10), jobs=2, fork=False)
    (result,) = engine.grade(load_track().select(["01"])).exercises

    assert result.status is ExerciseStatus.IN_PROGRESS, result.message
    stuck = [spec for spec in result.specs if not spec.passed]
    assert [spec.name for spec in stuck] == ["test_users_me"]
    assert stuck[0].status is SpecStatus.TIMEOUT
    assert result.passed == result.total - 1
    if before is not None:  # reader threads close their pipes just after their last word
        # Moments on a quiet machine; the bound only stops a wait for pipes that stay open.
        deadline = time.monotonic() + 30
        while _open_fds() != before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _open_fds() == before, "pipes were left open"
    assert not any(name.startswith("kata-") for name in os.listdir(tmp_path))
