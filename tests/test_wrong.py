"""Wrong implementations: realistic mistakes, each of which the specs must catch.

Each case in `tests/wrong/NN_slug/NAME.toml` is a mistake that developers really make on the
exercise, written by someone who saw the README and the stub but never the specs, and kept as
`[[replace]]` edits of the solution (see `tests/cases.py`), with a one-line `mistake`. Every case
must lose marks, without breaking the app's import: a case that the grader cannot even load
tests nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cases import build, read_case

from grader.engine import Engine, Limits, default_jobs
from grader.manifest import load_track
from grader.results import ExerciseResult, ExerciseStatus

WRONG = Path(__file__).parent / "wrong"
TRACK = load_track()
CASES = sorted(WRONG.glob("*/*.toml"))


def _id(case: Path) -> str:
    return f"{case.parent.name}/{case.stem}"


@pytest.fixture(scope="session")
def graded_cases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, ExerciseResult]:
    """Every wrong case this run selected (`-k 07_`), built from the solution and graded,
    stopping at its first failure."""
    # Grading takes long: the cases of the tests that `-k` left out are not graded.
    selected = set()
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "case" in callspec.params:
            selected.add(callspec.params["case"])
    cases = [case for case in CASES if case in selected]
    work = tmp_path_factory.mktemp("wrong")
    items = []
    for index, case in enumerate(cases):
        spec = read_case(case)
        target = work / f"{index:03d}"
        build("solutions", case.parent.name, spec.get("replace", []), target)
        items.append((target, TRACK.get(case.parent.name)))
    engine = Engine(work, limits=Limits(spec=20), jobs=default_jobs(), fail_fast=True)
    results = engine.grade_each(items)
    return {_id(case): result for case, result in zip(cases, results, strict=True)}


def test_every_exercise_has_wrong_cases() -> None:
    """Each exercise keeps at least fifteen blind wrong implementations (exercise-standard.md)."""
    short = [
        f"{exercise.name}: {len(list((WRONG / exercise.name).glob('*.toml')))}"
        for exercise in TRACK.exercises
        if len(list((WRONG / exercise.name).glob("*.toml"))) < 15
    ]
    assert not short, "exercises with fewer than 15 wrong cases:\n" + "\n".join(short)


@pytest.mark.parametrize("case", CASES, ids=[_id(case) for case in CASES])
def test_wrong_case_is_caught(case: Path, graded_cases: dict[str, ExerciseResult]) -> None:
    data: dict[str, Any] = read_case(case)
    assert isinstance(data.get("mistake"), str) and data["mistake"], "say what the mistake is"
    result = graded_cases[_id(case)]
    assert result.status is not ExerciseStatus.PASSED, f"not caught: {data['mistake']}"
    assert result.status is not ExerciseStatus.ERROR, (
        f"the edit breaks the app before any spec runs: {result.message}"
    )
