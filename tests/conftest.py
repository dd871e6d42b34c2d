"""Helpers for the kata's own tests: run the grader as a learner would, and read its results."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Graded:
    """One run of `python -m grader`: its exit status, what it printed, and its JSON results."""

    code: int
    stdout: str
    stderr: str
    results: dict[str, Any] | None

    def exercise(self, name: str) -> dict[str, Any]:
        assert self.results is not None, self.stderr
        return next(e for e in self.results["exercises"] if e["name"] == name)


def run_grader(
    *args: str,
    json_out: Path | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> Graded:
    """Run the grader in a fresh process from the repository root, as nox does."""
    command = [sys.executable, "-m", "grader", *args]
    if json_out is not None:
        command += ["--json", str(json_out)]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    results = None
    if json_out is not None and json_out.exists():
        results = json.loads(json_out.read_text(encoding="utf-8"))
    return Graded(done.returncode, done.stdout, done.stderr, results)


#: An environment variable every process a test starts carries (`run_grader` sets it), and so
#: every process those start, unless they clear their environment: how tests find leftovers.
TAG = "KATA_TEST_TAG"


def tagged(tag: str) -> list[int]:
    """Processes still running (not zombies) whose environment holds `KATA_TEST_TAG=tag`."""
    found = []
    wanted = f"{TAG}={tag}".encode()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if wanted in environ.split(b"\0") and state != b"Z":
            found.append(int(entry.name))
    return found


def copy_tree(source: Path, destination: Path) -> Path:
    """A copy of `source` without bytecode caches."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return destination


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` and its bytes: equal snapshots mean nothing was written."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    } | {
        path.relative_to(folder).as_posix() + "/": b""
        for path in sorted(folder.rglob("*"))
        if path.is_dir()
    }


@pytest.fixture(scope="session", autouse=True)
def private_progress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Gradings made by the tests keep their progress in a temporary folder, not in `.kata/`."""
    home = tmp_path_factory.mktemp("kata-home")
    old = os.environ.get("KATA_HOME")
    os.environ["KATA_HOME"] = str(home)
    yield home
    if old is None:
        del os.environ["KATA_HOME"]
    else:
        os.environ["KATA_HOME"] = old


@pytest.fixture(scope="session")
def solutions_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Graded, Path, dict[str, bytes]]:
    """The whole track graded against a copy of solutions/, and that copy's snapshot before."""
    work = tmp_path_factory.mktemp("solutions")
    target = copy_tree(ROOT / "solutions", work / "solutions")
    before = snapshot(target)
    graded = run_grader("grade", "--target", str(target), json_out=work / "results.json")
    return graded, target, before


@pytest.fixture(scope="session")
def stubs_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Graded, Path, dict[str, bytes]]:
    """The whole track graded against a copy of the stubs in exercises/."""
    work = tmp_path_factory.mktemp("stubs")
    target = copy_tree(ROOT / "exercises", work / "exercises")
    before = snapshot(target)
    graded = run_grader("grade", "--target", str(target), json_out=work / "results.json")
    return graded, target, before
