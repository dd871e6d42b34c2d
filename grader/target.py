"""The folder being graded: `exercises/` by default, or any folder laid out like it."""

from __future__ import annotations

import re
from pathlib import Path

from grader import ROOT
from grader.commands import UsageError
from grader.manifest import Exercise

EXERCISE_FOLDER = re.compile(r"^\d{2}_[a-z][a-z0-9_]*$")


def resolve_target(value: str | Path | None) -> Path:
    """The target folder, checked: it exists and holds exercise folders (`NN_slug`)."""
    folder = Path(value) if value else ROOT / "exercises"
    shown = str(value or "exercises")
    if not folder.exists():
        raise UsageError(
            f"target folder '{shown}' does not exist; pass --target with a folder laid out "
            "like exercises/ (for example --target solutions)"
        )
    if not folder.is_dir():
        raise UsageError(f"target '{shown}' is a file, not a folder laid out like exercises/")
    folder = folder.resolve()
    if not any(EXERCISE_FOLDER.match(child.name) for child in folder.iterdir() if child.is_dir()):
        raise UsageError(
            f"target folder '{shown}' holds no exercise folders such as 01_first_routes; "
            "pass --target with a folder laid out like exercises/"
        )
    return folder


def require_folders(target: Path, exercises: list[Exercise], shown: str) -> None:
    """Fail with one line if an exercise the learner named has no folder in the target."""
    missing = [exercise.name for exercise in exercises if not (target / exercise.name).is_dir()]
    if missing:
        raise UsageError(
            f"{', '.join(missing)} missing from target folder '{shown}'; "
            "restore it from git (git checkout -- exercises) or pick another --target"
        )
