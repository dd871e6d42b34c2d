"""The track as a whole: every solution gets full marks, no spec passes against a stub, grading
writes nothing into the target, and folders, specs and READMEs agree with the manifest."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import ROOT, Graded, snapshot

from grader.manifest import Exercise, load_track

TRACK = load_track()
EXERCISES = [pytest.param(exercise, id=exercise.name) for exercise in TRACK.exercises]
IGNORED = {"__pycache__"}


def _files(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not IGNORED & set(path.parts) and path.suffix != ".pyc"
    }


def test_every_solution_gets_full_marks(
    solutions_run: tuple[Graded, Path, dict[str, bytes]],
) -> None:
    graded, _, _ = solutions_run
    assert graded.results is not None, graded.stderr
    failures = [
        f"{exercise['name']}: {spec['name']}: {spec['status']}: {spec['message']}"
        for exercise in graded.results["exercises"]
        for spec in exercise["specs"]
        if spec["status"] != "passed"
    ] + [
        f"{exercise['name']}: {exercise['status']}: {exercise['message']}"
        for exercise in graded.results["exercises"]
        if exercise["status"] != "passed"
    ]
    assert not failures, "\n".join(failures)
    assert graded.results["score"] == graded.results["max_score"]
    assert graded.code == 0


def test_no_spec_passes_against_a_stub(stubs_run: tuple[Graded, Path, dict[str, bytes]]) -> None:
    graded, _, _ = stubs_run
    assert graded.results is not None, graded.stderr
    passing = [
        f"{exercise['name']}: {spec['name']}"
        for exercise in graded.results["exercises"]
        for spec in exercise["specs"]
        if spec["status"] == "passed"
    ]
    assert not passing, "specs that cannot fail:\n" + "\n".join(passing)
    for exercise in graded.results["exercises"]:
        assert exercise["status"] == "not_started", exercise["message"]
        assert exercise["total"] > 0
    assert graded.code == 1


@pytest.mark.parametrize("run", ["solutions_run", "stubs_run"])
def test_grading_leaves_the_target_byte_for_byte_unchanged(
    run: str, request: pytest.FixtureRequest
) -> None:
    _, target, before = request.getfixturevalue(run)
    assert snapshot(target) == before


@pytest.mark.parametrize("exercise", EXERCISES)
def test_exercise_folders_mirror_each_other(exercise: Exercise) -> None:
    stub, solution = ROOT / "exercises" / exercise.name, ROOT / "solutions" / exercise.name
    specs = ROOT / "grader" / "specs" / exercise.name
    for folder in (stub, solution, specs):
        assert folder.is_dir(), f"{folder.relative_to(ROOT)} is missing"
    assert (stub / "README.md").is_file()
    assert _files(stub) - {"README.md"} == _files(solution) - {"README.md"}


def test_every_exercise_folder_is_in_the_manifest() -> None:
    known = {exercise.name for exercise in TRACK.exercises}
    for parent in ("exercises", "solutions", "grader/specs"):
        for folder in (ROOT / parent).iterdir():
            if folder.is_dir() and folder.name not in IGNORED:
                assert folder.name in known, f"{parent}/{folder.name} is not in grader/track.toml"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_readme_tasks_match_the_manifest(exercise: Exercise) -> None:
    readme = (ROOT / "exercises" / exercise.name / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^###\s+Task\s+(\d+)\s*[:.·-]\s*(.+?)\s*$", readme, re.MULTILINE)
    assert [(int(n), title) for n, title in headings] == [
        (task.number, task.title) for task in exercise.tasks
    ]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_specs_describe_themselves_and_belong_to_a_task(exercise: Exercise) -> None:
    tasks_with_specs: set[int] = set()
    for path in sorted((ROOT / "grader" / "specs" / exercise.name).glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_task = _task_of(tree.body)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(
                "test_"
            ):
                where = f"{path.relative_to(ROOT)}::{node.name}"
                doc = ast.get_docstring(node)
                assert doc and len(doc.strip().splitlines()) >= 1, f"{where} has no docstring"
                task = _task_of(node.decorator_list) or module_task
                assert task is not None, f"{where} has no task marker"
                assert exercise.task(task) is not None, f"{where}: task {task} not in manifest"
                tasks_with_specs.add(task)
        for found in ast.walk(tree):
            if isinstance(found, ast.Assert):
                assert found.msg is not None, (
                    f"{path.relative_to(ROOT)}:{found.lineno}: an assert without a message "
                    "would show the spec's source to the learner"
                )
    assert tasks_with_specs == {task.number for task in exercise.tasks}, "a task has no spec"


def _task_of(nodes: list[ast.stmt] | list[ast.expr]) -> int | None:
    """The N of `pytest.mark.task(N)` among decorators or a module's `pytestmark`."""
    for node in (found for root in nodes for found in ast.walk(root)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "task"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            return int(str(node.args[0].value))
    return None
