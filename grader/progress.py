"""The learner's progress in `.kata/`: every grading, the best score and when each exercise passed.

Two files, both safe against Ctrl-C, crashes and two gradings at once:

- `history.jsonl`, the record: a header line, then one line per exercise graded (time, target,
  score, each spec's result). Lines are only ever appended, each with one `os.write` while
  holding `.kata/lock`, so a line is in the file whole or not at all.
- `progress.json`, a summary of the history (best score, first pass, last result) that `list`
  reads instead of the whole history. It is replaced whole (temp file + `os.replace`) and
  remembers how far into the history it goes; whatever it missed (say the grader was stopped
  between the two writes) is folded in when it is read. Folding is idempotent: best is a
  maximum, first pass a minimum, last result the latest, so folding a line twice is harmless.

A file that is not what this module writes (corrupt, foreign, from a newer grader) is never
trusted and never deleted: it is renamed to `NAME.corrupt-<timestamp>` and reported in one line.
`KATA_HOME` moves `.kata/` elsewhere (the kata's own tests use it).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from grader import ROOT
from grader.results import ExerciseResult, RunResult
from grader.storage import Lock, atomic_write, set_aside

HOME_ENV = "KATA_HOME"
#: Warnings already given by this process: each is said once.
_warned: set[str] = set()
HISTORY, SUMMARY = "history.jsonl", "progress.json"
HISTORY_FORMAT, SUMMARY_FORMAT, VERSION = "fastapi-kata-history", "fastapi-kata-progress", 1

Warn = Callable[[str], None]


def kata_home() -> Path:
    """Where progress lives: `$KATA_HOME`, else `.kata/` at the repository root."""
    return Path(os.environ.get(HOME_ENV) or ROOT / ".kata")


def target_key(target: Path) -> str:
    """How progress names a target: relative to the repository when inside it (`exercises`)."""
    folder = target.resolve()
    try:
        return folder.relative_to(ROOT).as_posix()
    except ValueError:
        return str(folder)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Grading(_Strict):
    """One line of the history: one exercise graded once."""

    time: str
    target: str
    exercise: str
    status: str
    score: float
    max_score: float
    passed: int
    total: int
    #: (spec id, task number, status) for every spec, in file order.
    specs: tuple[tuple[str, int, str], ...]

    @property
    def unfinished_tasks(self) -> tuple[int, ...]:
        return tuple(sorted({task for _, task, status in self.specs if status != "passed"}))


class ExerciseProgress(_Strict):
    """What the history says about one exercise of one target."""

    best_score: float
    max_score: float
    #: When it first passed (ISO 8601, UTC), or None.
    first_passed: str | None
    last_time: str
    last_status: str
    last_score: float
    #: Tasks with a spec that did not pass at the last grading; all of them if none ran.
    unfinished_tasks: tuple[int, ...]

    @property
    def done(self) -> bool:
        return self.first_passed is not None


class _Header(_Strict):
    format: str
    version: int
    id: str


class _Summary(_Strict):
    format: str
    version: int
    history_id: str
    #: The history's first bytes that this summary covers.
    history_bytes: int
    targets: dict[str, dict[str, ExerciseProgress]]


def fold(known: ExerciseProgress | None, grading: Grading) -> ExerciseProgress:
    """`known` updated with one more grading; the same grading twice changes nothing."""
    passed = grading.status == "passed"
    if known is None:
        return ExerciseProgress(
            best_score=grading.score,
            max_score=grading.max_score,
            first_passed=grading.time if passed else None,
            last_time=grading.time,
            last_status=grading.status,
            last_score=grading.score,
            unfinished_tasks=grading.unfinished_tasks,
        )
    first = known.first_passed
    if passed and (first is None or grading.time < first):
        first = grading.time
    newer = grading.time >= known.last_time
    return ExerciseProgress(
        best_score=max(known.best_score, grading.score),
        max_score=grading.max_score if newer else known.max_score,
        first_passed=first,
        last_time=grading.time if newer else known.last_time,
        last_status=grading.status if newer else known.last_status,
        last_score=grading.score if newer else known.last_score,
        unfinished_tasks=grading.unfinished_tasks if newer else known.unfinished_tasks,
    )


def gradings_of(run: RunResult, target: Path) -> list[Grading]:
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    return [_grading(exercise, target_key(target), now) for exercise in run.exercises]


def _grading(exercise: ExerciseResult, target: str, now: str) -> Grading:
    return Grading(
        time=now,
        target=target,
        exercise=exercise.name,
        status=exercise.status.value,
        score=exercise.score,
        max_score=exercise.max_score,
        passed=exercise.passed,
        total=exercise.total,
        specs=tuple((spec.id, spec.task, spec.status.value) for spec in exercise.specs),
    )


class Store:
    """`.kata/`: record gradings, read progress back."""

    def __init__(self, home: Path | None = None, *, warn: Warn | None = None) -> None:
        self.home = home if home is not None else kata_home()
        self.warn: Warn = warn or _stderr_warning
        self.history = self.home / HISTORY
        self.summary = self.home / SUMMARY
        self.lock = Lock(self.home / "lock")

    # --- writing -----------------------------------------------------------------------------
    def record(self, run: RunResult, target: Path) -> None:
        """Append the run's gradings to the history and bring the summary up to date."""
        self.add(gradings_of(run, target))

    def add(self, gradings: Iterable[Grading]) -> None:
        lines = b"".join(_line(grading) for grading in gradings)
        if not lines:
            return
        with self.lock:
            self._history_for_append()
            fd = os.open(self.history, os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0))
            try:
                # One write, so that the lines are in the history whole or not at all.
                if os.write(fd, lines) != len(lines):
                    raise OSError(f"{self.history}: short write (is the disk full?)")
            finally:
                os.close(fd)
            summary, _ = self._read()
            atomic_write(self.summary, _line(summary))
            # A Ctrl-C at the wrong moment leaves a temporary file; with the lock held, no one
            # else is writing one.
            for leftover in self.home.glob(f".{SUMMARY}.*.tmp"):
                leftover.unlink(missing_ok=True)

    def _history_for_append(self) -> None:
        """Start a history, after setting aside one that cannot be appended to."""
        header, problem, size = _header(self.history)
        if header is not None and not problem:
            with open(self.history, "rb") as file:
                file.seek(size - 1)
                if file.read(1) == b"\n":
                    return
            # A line cut short means a grader died while writing it: trust none of the file.
            problem = "its last line is incomplete"
        if problem:
            self._set_aside(self.history, problem)
        fresh = _Header(format=HISTORY_FORMAT, version=VERSION, id=uuid.uuid4().hex)
        atomic_write(self.history, _line(fresh))

    # --- reading -----------------------------------------------------------------------------
    def progress(self, target: Path | str) -> dict[str, ExerciseProgress]:
        """Per exercise name, what the history says about `target` (a folder or a key).

        Progress that cannot be read (`.kata/` unreadable, say) is one warning, and none."""
        key = target if isinstance(target, str) else target_key(target)
        if not self.home.is_dir():
            return {}
        with self._reading():
            try:
                summary, _ = self._read()
            except OSError as error:
                self._warn_once(f"warning: progress in {shown(self.home)} cannot be read: {error}")
                return {}
        return dict(summary.targets.get(key, {}))

    def gradings(self) -> list[Grading]:
        """Every grading in the history, oldest first."""
        if not self.home.is_dir():
            return []
        with self._reading():
            try:
                return self._read(everything=True)[1]
            except OSError as error:
                self._warn_once(f"warning: progress in {shown(self.home)} cannot be read: {error}")
                return []

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """The lock, where it can be taken; reading without it beats not reading at all."""
        try:
            self.lock.__enter__()
        except OSError as error:
            self._warn_once(
                f"warning: {shown(self.home)} cannot be locked ({error}); progress is read "
                "without the lock, and gradings are not recorded"
            )
            yield
            return
        try:
            yield
        finally:
            self.lock.__exit__(None, None, None)

    def _warn_once(self, message: str) -> None:
        if message not in _warned:
            _warned.add(message)
            self.warn(message)

    def _read(self, *, everything: bool = False) -> tuple[_Summary, list[Grading]]:
        """The summary brought up to date with the history, and the gradings it took."""
        summary = None if everything else self._load_summary()
        header, problem, size = _header(self.history)
        if problem:
            self._set_aside(self.history, problem)
            header, size = None, 0
        history_id = header.id if header else ""
        start = 0
        if summary is not None and summary.history_id == history_id:
            start = summary.history_bytes
        gradings: list[Grading] = []
        end = 0
        if header is not None:
            # A summary past the end of the history was not made from it: fold it all again.
            gradings, end = self._tail(start if start <= size else 0)
        targets = {key: dict(value) for key, value in (summary.targets if summary else {}).items()}
        for grading in gradings:
            exercises = targets.setdefault(grading.target, {})
            exercises[grading.exercise] = fold(exercises.get(grading.exercise), grading)
        fresh = _Summary(
            format=SUMMARY_FORMAT,
            version=VERSION,
            history_id=history_id,
            history_bytes=end,
            targets=targets,
        )
        return fresh, gradings

    def _tail(self, start: int) -> tuple[list[Grading], int]:
        """The gradings from byte `start` (0: the first after the header), and where they end."""
        with open(self.history, "rb") as file:
            header = file.readline()
            file.seek(max(start, len(header)))
            data = file.read()
            origin = max(start, len(header))
        # The last line may be half written by a grading under way elsewhere: leave it for later.
        complete = data.rfind(b"\n") + 1
        gradings = []
        for raw in data[:complete].splitlines():
            if not raw.strip():
                continue
            try:
                gradings.append(Grading.model_validate_json(raw))
            except ValidationError:
                self._set_aside(self.history, "a line in it is not a grading this grader wrote")
                return [], 0
        return gradings, origin + complete

    def _load_summary(self) -> _Summary | None:
        try:
            data = self.summary.read_bytes()
        except FileNotFoundError:
            return None
        try:
            summary: _Summary | None = _Summary.model_validate_json(data)
        except ValidationError:
            summary = None
        if summary is None or summary.format != SUMMARY_FORMAT or summary.version != VERSION:
            self._set_aside(self.summary, "it is not a progress file this grader wrote")
            return None
        return summary

    def _set_aside(self, path: Path, why: str) -> None:
        try:
            moved = set_aside(path)
        except OSError:
            return  # cannot be moved (a read-only .kata/): it stays untrusted, and unread
        if moved is not None:
            self.warn(
                f"warning: {shown(path)} was set aside as {moved.name} ({why}); "
                "progress is rebuilt from what remains"
            )


def _header(path: Path) -> tuple[_Header | None, str | None, int]:
    """The history's header, why the file is not a history this grader wrote, and its size."""
    try:
        with open(path, "rb") as file:
            first = file.readline()
            size = file.seek(0, os.SEEK_END)
    except FileNotFoundError:
        return None, None, 0
    try:
        header = _Header.model_validate_json(first)
    except ValidationError:
        return None, "it does not start like a history this grader wrote", size
    if header.format != HISTORY_FORMAT or header.version != VERSION:
        return None, f"it is a {header.format!r} file, version {header.version}", size
    return header, None, size


def _line(value: BaseModel) -> bytes:
    data = value.model_dump(mode="json")
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def shown(path: Path) -> str:
    """`path` relative to the repository when inside it, as messages show it."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _stderr_warning(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(message, markup=False, soft_wrap=True)


def record_grading(run: RunResult, target: Path, *, warn: Warn | None = None) -> None:
    """Record a grading; a failure to record is one warning line, never a failed grading."""
    store = Store(warn=warn)
    try:
        store.record(run, target)
    except OSError as error:
        store._warn_once(f"warning: progress not recorded in {shown(store.home)}: {error}")
