"""What a grading produces: one result per spec, gathered per exercise, gathered per run.

These are plain dataclasses so that the scorecard, `--json`, the progress log and the kata's own
tests all read the same thing. `RunResult.to_json()` is the documented `--json` format; it keeps
enough to derive Exercism's results.json v3, Gradescope's results.json and JUnit XML.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

#: Version of the `--json` format; bumped when a field changes meaning or goes away.
JSON_VERSION = 1


class SpecStatus(str, enum.Enum):
    """How one spec ended."""

    PASSED = "passed"
    #: The app answered, but not as the README promises.
    FAILED = "failed"
    #: The spec could not run: the app failed to import or start, or the spec's setup failed.
    ERROR = "error"
    #: The spec ran out of time: a hang or an endless loop in the app.
    TIMEOUT = "timeout"
    #: The grading process died while the spec ran (a segfault, a kill, an exit).
    CRASHED = "crashed"
    #: Never started: an earlier problem stopped the exercise.
    NOT_RUN = "not_run"

    @property
    def ended_badly(self) -> bool:
        """The spec ran and did not pass."""
        return self not in (SpecStatus.PASSED, SpecStatus.NOT_RUN)


class ExerciseStatus(str, enum.Enum):
    """Where a learner stands on one exercise."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    PASSED = "passed"
    #: The app could not be graded: a missing folder, an import error, a broken spec.
    ERROR = "error"
    #: The exercise ran out of time, or the app hung while importing or starting.
    TIMEOUT = "timeout"
    #: The grading process died while importing or starting the app.
    CRASHED = "crashed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass
class SpecResult:
    """One spec: what it checks, and how it went."""

    #: pytest's node id relative to `grader/specs/`, stable across runs.
    id: str
    #: The spec function's name.
    name: str
    #: The spec's one-line description, as the scorecard shows it.
    description: str
    #: The number of the exercise task the spec belongs to.
    task: int
    #: The ids of the contract rules (`rules.toml`) the spec checks.
    rules: tuple[str, ...] = ()
    status: SpecStatus = SpecStatus.NOT_RUN
    #: Why it did not pass, in HTTP terms; `None` when it passed.
    message: str | None = None
    #: What the app printed while the spec ran, cut to a fixed size.
    output: str = ""
    duration: float = 0.0
    #: For a spec that did not pass: the hint of the rule it checks (or of its task).
    hint: str | None = None

    @property
    def passed(self) -> bool:
        return self.status is SpecStatus.PASSED


@dataclass
class ExerciseResult:
    """One exercise graded: its specs in file order, and a verdict."""

    number: int
    slug: str
    title: str
    max_score: float
    specs: list[SpecResult] = field(default_factory=list)
    #: Set when the whole exercise failed (error, timeout or crash), else derived from the specs.
    failure: ExerciseStatus | None = None
    #: Why the whole exercise failed, with the learner's file and line where known.
    message: str | None = None
    #: What the app printed outside any spec, cut to a fixed size.
    output: str = ""
    duration: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.number:02d}_{self.slug}"

    @property
    def passed(self) -> int:
        return sum(spec.passed for spec in self.specs)

    @property
    def total(self) -> int:
        return len(self.specs)

    @property
    def score(self) -> float:
        if not self.specs:
            return 0.0
        return round(self.max_score * self.passed / self.total, 2)

    @property
    def status(self) -> ExerciseStatus:
        if self.failure is not None:
            return self.failure
        if self.total and self.passed == self.total:
            return ExerciseStatus.PASSED
        return ExerciseStatus.IN_PROGRESS if self.passed else ExerciseStatus.NOT_STARTED

    def first_failure(self) -> SpecResult | None:
        """The first spec, in file order, that did not pass."""
        return next((spec for spec in self.specs if not spec.passed), None)


@dataclass
class RunResult:
    """A whole grading run over one target folder."""

    target: str
    exercises: list[ExerciseResult]
    started_at: str
    duration: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(exercise.score for exercise in self.exercises), 2)

    @property
    def max_score(self) -> float:
        return sum(exercise.max_score for exercise in self.exercises)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    @property
    def all_passed(self) -> bool:
        return all(ex.status is ExerciseStatus.PASSED for ex in self.exercises)

    def next_up(self) -> ExerciseResult | None:
        """The first exercise, in track order, that has not passed."""
        return next((ex for ex in self.exercises if ex.status is not ExerciseStatus.PASSED), None)

    def to_json(self) -> dict[str, Any]:
        """The documented `--json` document."""
        return {
            "version": JSON_VERSION,
            "target": self.target,
            "started_at": self.started_at,
            "duration": round(self.duration, 3),
            "score": self.score,
            "max_score": self.max_score,
            "exercises": [_exercise_json(exercise) for exercise in self.exercises],
        }


def _exercise_json(exercise: ExerciseResult) -> dict[str, Any]:
    share = exercise.max_score / exercise.total if exercise.total else 0.0
    return {
        "number": exercise.number,
        "slug": exercise.slug,
        "name": exercise.name,
        "title": exercise.title,
        "status": exercise.status.value,
        "message": exercise.message,
        "passed": exercise.passed,
        "total": exercise.total,
        "score": exercise.score,
        "max_score": exercise.max_score,
        "duration": round(exercise.duration, 3),
        "output": exercise.output,
        "specs": [
            {
                "id": spec.id,
                "name": spec.name,
                "description": spec.description,
                "task": spec.task,
                "rules": list(spec.rules),
                "status": spec.status.value,
                "message": spec.message,
                "hint": spec.hint,
                "output": spec.output,
                "duration": round(spec.duration, 3),
                "score": round(share if spec.passed else 0.0, 4),
                "max_score": round(share, 4),
            }
            for spec in exercise.specs
        ],
    }
