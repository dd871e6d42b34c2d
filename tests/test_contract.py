"""Contract coverage: every checkable rule of each README is quoted in its exercise's
`rules.toml`, and checked by at least one spec (see `grader/contract.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, Graded

from grader.contract import load_contract, missing_quotes, uncovered_units
from grader.manifest import Exercise, load_track

TRACK = load_track()
EXERCISES = [pytest.param(exercise, id=exercise.name) for exercise in TRACK.exercises]


def _readme(exercise: Exercise) -> str:
    return (ROOT / "exercises" / exercise.name / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("exercise", EXERCISES)
def test_contract_quotes_the_readme(exercise: Exercise) -> None:
    contract = load_contract(exercise.name)
    assert contract is not None, f"grader/specs/{exercise.name}/rules.toml is missing"
    missing = missing_quotes(_readme(exercise), contract)
    assert not missing, "quotes not found in the README:\n" + "\n".join(missing)
    for rule in contract.rules:
        assert rule.task == 0 or exercise.task(rule.task), f"{rule.id}: no task {rule.task}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_checkable_readme_unit_is_in_the_contract(exercise: Exercise) -> None:
    contract = load_contract(exercise.name)
    assert contract is not None, f"grader/specs/{exercise.name}/rules.toml is missing"
    uncovered = uncovered_units(_readme(exercise), contract)
    assert not uncovered, (
        "README rules that no rule of rules.toml quotes (add a rule, or an [[ungraded]] entry "
        "saying why it is not graded):\n- " + "\n- ".join(uncovered)
    )


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_rule_has_a_spec_and_every_spec_a_rule(
    exercise: Exercise, solutions_run: tuple[Graded, Path, dict[str, bytes]]
) -> None:
    graded, _, _ = solutions_run
    contract = load_contract(exercise.name)
    assert contract is not None, f"grader/specs/{exercise.name}/rules.toml is missing"
    specs = graded.exercise(exercise.name)["specs"]
    known = {rule.id for rule in contract.rules}
    without = [spec["id"] for spec in specs if not spec["rules"]]
    assert not without, "specs with no @pytest.mark.rule(...):\n" + "\n".join(without)
    unknown = sorted({r for spec in specs for r in spec["rules"]} - known)
    assert not unknown, f"specs name rules that rules.toml does not have: {unknown}"
    checked = {r for spec in specs for r in spec["rules"]}
    unchecked = sorted(known - checked)
    assert not unchecked, f"rules that no spec checks: {unchecked}"
