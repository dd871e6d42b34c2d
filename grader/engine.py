"""Grading exercises in isolation: one grading process per exercise, watched, timed and capped.

Each exercise runs in a process of its own, so an app that hangs, loops, exits or crashes
costs only its own spec: the grader marks that spec (timeout or crashed) and starts a fresh
process for the specs that remain. A hang or crash while importing or starting the app ends the
exercise at once, since every spec would meet it again. Up to `jobs` exercises run at a time.

A grading process grades a copy of the learner's folder in a temporary folder of its own (also
the app's `TMPDIR`): whatever the app writes beside itself never reaches the learner's folder
(where `watch` would take it for a save), and all of it goes with the grading. Everything the
app starts is ended with it (`grader.containment`), and its memory counts towards `--memory`.
On Linux that temporary folder is in memory (`/dev/shm`) unless `TMPDIR` names another: what
the app writes there counts towards `--memory` too.
"""

from __future__ import annotations

import importlib
import math
import os
import shutil
import signal
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader import ROOT, SPECS_DIR, containment, events, processes
from grader.contract import cached_contract
from grader.manifest import Exercise
from grader.messages import clip, scrub, stuck_at, visible
from grader.results import ExerciseResult, ExerciseStatus, RunResult, SpecResult, SpecStatus
from grader.worker import Job

#: What the app may print per spec, and per exercise outside specs, before the rest is dropped.
SPEC_OUTPUT_LIMIT = 2_000
EXERCISE_OUTPUT_LIMIT = 4_000
#: Imported once by the grader before forking, so that grading processes start warm.
CORE_MODULES = (
    "pytest",
    "pytest_asyncio.plugin",
    "httpx",
    "fastapi",
    "asgi_lifespan",
    # Imported on first use, by the first spec of every grading process otherwise: anyio's
    # event loop backend, and pydantic.v1, which FastAPI looks into for every route it adds.
    "anyio._backends._asyncio",
    "pydantic.v1",
)
#: The longest the grader waits without looking at its grading processes' time and memory.
WAKE_EVERY = 0.25
#: How often a grading asks `Engine.cancel_if` whether to go on.
CANCEL_EVERY = 0.02
#: How often the memory of each grading's processes is added up (a look at every process).
MEASURE_EVERY = 0.5
#: How long a grading process that said it is done may take to end before it is ended.
DONE_GRACE = 1.0
#: How long to wait for a hung grading process's stack dump before stopping it.
DUMP_WAIT = 0.5
#: Folders of an exercise that are not the learner's program and are not copied for grading.
NOT_COPIED = (
    ".git",
    ".venv",
    "venv",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "node_modules",
)
EXTRA_MODULES = ("sqlalchemy.orm", "pydantic_settings", "jwt", "pwdlib", "multipart", "aiosqlite")


class Cancelled(Exception):
    """`Engine.cancel_if` said to stop: the grading was abandoned and its processes stopped."""


@dataclass(frozen=True)
class Limits:
    """How long a spec, and a whole exercise, may take before the grader stops it, and how much
    memory a grading process may use."""

    spec: float = 10.0
    exercise: float = 120.0
    #: Memory a grading process may hold, in MiB, before it is stopped (Linux); 0 for no limit.
    #: Whatever it started counts too.
    memory_mb: int = 4096

    def __post_init__(self) -> None:
        for name, value in (("spec", self.spec), ("exercise", self.exercise)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"the {name} time limit must be a number of seconds above 0")
        if self.memory_mb < 0:
            raise ValueError("the memory limit must be 0 (none) or more MiB")


def preload(extras: bool) -> None:
    """Import what every grading process needs (and, with `extras`, what most need) once."""
    for name in CORE_MODULES + (EXTRA_MODULES if extras else ()):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pydantic.v1 warns on newer Pythons
                importlib.import_module(name)
        except ImportError:
            pass
    importlib.import_module("grader.reporter")


@dataclass(eq=False)
class _Run:
    """The grading of one exercise, across however many processes it takes."""

    exercise: Exercise
    target: Path
    limits: Limits
    result: ExerciseResult
    #: The spec files this run grades (a share of the exercise's), or () for all of them.
    files: tuple[str, ...] = ()
    started: float = 0.0
    process: processes.Process | None = None
    #: The temporary folder of the running process, removed when it ends.
    workspace: Path | None = None
    #: The copy of the learner's exercise folder that the running process grades.
    copy: Path | None = None
    #: What the running process wrote on its events pipe that is not an event: stack dumps.
    dump: bytes = b""
    #: When the running process said it is done.
    done_at: float = 0.0
    specs: dict[str, SpecResult] = field(default_factory=dict)
    current: SpecResult | None = None
    spec_started: float = 0.0
    phase: str = events.RUN
    done: bool = False
    finished: bool = False
    pending: bytes = b""
    output_dropped: int = 0
    paths: dict[str, str] = field(default_factory=dict)
    #: Every run grading the same exercise of the same target (shares of its spec files).
    plan: list[_Run] = field(default_factory=list)

    # --- events from the grading process -------------------------------------------------
    def on_event(self, event: dict[str, Any], now: float) -> None:
        kind = event["event"]
        if kind == "collected" and not self.specs:
            for raw in event.get("specs", []):
                spec = SpecResult(
                    id=str(raw["id"]),
                    name=str(raw["name"]),
                    description=str(raw["description"]),
                    task=int(raw["task"]),
                    rules=tuple(str(rule) for rule in raw.get("rules", [])),
                )
                self.specs[spec.id] = spec
                self.result.specs.append(spec)
        elif kind == "start":
            self.current = self.specs.get(str(event.get("id")))
            self.spec_started = now
            self.phase = events.RUN
        elif kind == "phase":
            self.phase = str(event.get("phase"))
        elif kind == "result":
            finished = self.specs.get(str(event.get("id")))
            if finished is not None:
                finished.status = SpecStatus(str(event.get("status")))
                finished.message = _text(event.get("message"))
                finished.duration = float(event.get("duration", 0.0))
            self.current = None
        elif kind == "fatal":
            self.fail(ExerciseStatus.ERROR, _text(event.get("message")) or "the app cannot load")
        elif kind == "done":
            self.done = True
            self.done_at = now

    def on_output(self, data: bytes) -> None:
        text = visible(scrub(data.decode("utf-8", "replace"), self.paths))
        if self.current is not None:
            room = SPEC_OUTPUT_LIMIT - len(self.current.output)
            self.current.output += text[: max(room, 0)]
        else:
            room = EXERCISE_OUTPUT_LIMIT - len(self.result.output)
            self.result.output += text[: max(room, 0)]
        self.output_dropped += max(len(text) - max(room, 0), 0)

    # --- how it ends ------------------------------------------------------------------------
    def fail(self, status: ExerciseStatus, message: str) -> None:
        """The whole exercise failed; the first reason given is the one kept."""
        if self.result.failure is None:
            self.result.failure = status
            self.result.message = message

    def stop_current(self, status: SpecStatus, message: str) -> None:
        if self.current is not None and self.current.status is SpecStatus.NOT_RUN:
            self.current.status = status
            self.current.message = message
            self.current.duration = time.perf_counter() - self.spec_started
        self.current = None

    def graded(self) -> list[str]:
        return [spec.id for spec in self.result.specs if spec.status is not SpecStatus.NOT_RUN]

    def unfinished(self) -> bool:
        return any(spec.status is SpecStatus.NOT_RUN for spec in self.result.specs)

    def close(self, now: float, why_not_run: str | None = None) -> None:
        reason = self.result.message or why_not_run or "an earlier problem stopped the exercise"
        contract = cached_contract(self.exercise.name)
        for spec in self.result.specs:
            if spec.status is SpecStatus.NOT_RUN and spec.message is None:
                spec.message = f"not run: {reason}"
            if not spec.passed:
                task = self.exercise.task(spec.task)
                rule_hint = contract.hint_for(spec.rules) if contract else None
                spec.hint = rule_hint or (task.hints[0] if task else None)
        if self.output_dropped:
            self.result.output += f"\n… (cut: {self.output_dropped} more characters of output)"
        if not self.result.specs and self.result.failure is None:
            self.fail(ExerciseStatus.ERROR, "the grader found no specs for this exercise")
        self.result.output = clip(self.result.output, EXERCISE_OUTPUT_LIMIT + 200)
        self.result.duration = now - self.started
        self.finished = True


class Engine:
    """Grades exercises of one target folder, `jobs` at a time, reporting each as it ends."""

    def __init__(
        self,
        target: Path,
        *,
        limits: Limits = Limits(),
        jobs: int = 1,
        fork: bool = processes.CAN_FORK,
        fail_fast: bool = False,
        on_done: Callable[[ExerciseResult], None] | None = None,
    ) -> None:
        self.target = target.resolve()
        self.limits = limits
        self.jobs = max(jobs, 1)
        self.fork = fork and processes.CAN_FORK
        #: Stop grading an exercise at its first spec that does not pass.
        self.fail_fast = fail_fast
        self.on_done = on_done
        #: Asked while grading; True abandons the grading (`grade` raises `Cancelled`).
        self.cancel_if: Callable[[], bool] | None = None
        self.pipes = processes.Pipes()
        self._active: list[_Run] = []
        #: Children of this process that are not grading processes (a file watcher, say).
        self._keep: set[int] = set()
        self._measured = 0.0
        # What a grading process leaves when it dies is left to this process, not to init.
        containment.become_subreaper()
        containment.clean_leftovers()
        #: Per (target, exercise): runs whose processes `prepare` started, waiting to go.
        self._ready: dict[tuple[Path, str], list[_Run]] = {}
        #: Per spec file (`01_first_routes/test_1_look_up.py`): seconds its specs took last time.
        self._costs: dict[str, float] = {}
        #: Leave the temporary folders of finished grading processes until `tidy` (or
        #: `prepare`) is called, rather than remove them before `grade` returns: removing them
        #: takes tens of milliseconds that someone may be waiting through.
        self.tidy_later = False
        self._trash: list[Path] = []

    def grade(self, exercises: Sequence[Exercise]) -> RunResult:
        started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        clock = time.perf_counter()
        results = self.grade_each([(self.target, exercise) for exercise in exercises])
        return RunResult(
            target=self.target.name,
            exercises=results,
            started_at=started_at,
            duration=time.perf_counter() - clock,
        )

    def grade_each(self, items: Sequence[tuple[Path, Exercise]]) -> list[ExerciseResult]:
        """Grade each (target folder, exercise) pair; results in the order of `items`."""
        if self.fork:
            preload(extras=len(items) > 1)
        # Cores left over when there are fewer exercises than jobs grade shares of an exercise.
        shares = self.jobs // len(items) if self.fork and items else 1
        plans = [
            self._ready.pop((target.resolve(), exercise.name), [])
            or self._plan(target.resolve(), exercise, shares)
            for target, exercise in items
        ]
        self.discard()  # prepared for another grading than this one
        for plan in plans:
            for run in plan:
                run.plan = plan
        waiting = [run for runs in plans for run in runs]
        active: list[_Run] = []
        self._active = active
        # What runs besides this grading (a file watcher, say); the prepared processes this
        # grading takes over are its own, and ended with it.
        taken = {run.process.pid for run in waiting if run.process is not None}
        self._keep = set(containment.Table().children.get(os.getpid(), ())) - taken
        try:
            self._loop(waiting, active)
        finally:
            self.stop()  # after Ctrl-C or any error, no grading process outlives the grading
            self._drop_held(waiting)  # prepared, never begun: a grading cut short
            if not self.tidy_later:
                self.tidy()
        results = [_merge([run.result for run in runs]) for runs in plans]
        for result in results:
            self._learn_costs(result)
        return results

    def prepare(self, exercises: Sequence[Exercise]) -> None:
        """Start the grading processes of the next `grade(exercises)` now: each loads pytest and
        its specs, then waits, so that the grading begins with the first spec. Spawned processes
        are paid for ahead too, so they share an exercise's spec files as forked ones do."""
        self.discard()
        if self.fork:
            preload(extras=len(exercises) > 1)
        shares = self.jobs // len(exercises) if exercises else 1
        for exercise in exercises:
            if not (self.target / exercise.name).is_dir():
                continue
            plan = self._plan(self.target, exercise, shares)
            self._ready[(self.target, exercise.name)] = plan  # first, as in `_loop`: `discard`
            for run in plan:
                self._spawn(run, hold=True)

    def tidy(self) -> None:
        """Remove the temporary folders of the grading processes that ended."""
        while self._trash:
            containment.remove_workspace(self._trash.pop())

    def discard(self) -> None:
        """Stop the processes that `prepare` started and no grading took, and tidy up."""
        self._drop_held([run for plan in self._ready.values() for run in plan])
        self._ready.clear()
        self.tidy()

    def _drop_held(self, runs: Sequence[_Run]) -> None:
        """Stop the held processes of `runs`, which were never told to go, and only them: they
        ran none of the learner's code, so nothing else is theirs."""
        held = [run for run in runs if run.process is not None]
        if not held:
            return
        children = set(containment.Table().children.get(os.getpid(), ()))
        for run in held:
            process = run.process
            assert process is not None
            process.kill(children - {process.pid})
            process.close()
            try:
                process.wait()
            except ChildProcessError:
                pass
            run.process = None
            self._remove(run)

    def stop(self) -> None:
        """Stop every grading process still running, at once, and reap it."""
        # A second Ctrl-C (or SIGTERM) must not cut this short and leave processes running.
        blocked = {signal.SIGINT, signal.SIGTERM} | (
            {signal.SIGHUP} if hasattr(signal, "SIGHUP") else set()
        )
        masked = hasattr(signal, "pthread_sigmask")
        if masked:
            old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            for run in self._active:
                if run.process is not None:
                    run.process.kill(self._others(run))
                    self.pipes.drain(run.process)
                    try:
                        run.process.wait()
                    except ChildProcessError:
                        pass
                    run.process = None
                    self._remove(run)
            self._active = []
        finally:
            if masked:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def _others(self, run: _Run) -> set[int]:
        """Children of this process that `run`'s ending must leave alone."""
        others = {
            other.process.pid
            for other in self._active
            if other is not run and other.process is not None and other.process.pid is not None
        }
        return self._keep | others

    def _loop(self, waiting: list[_Run], active: list[_Run]) -> None:
        while waiting or active:
            while waiting and len(active) < self.jobs:
                run = waiting.pop(0)
                active.append(run)  # first: if this is interrupted, `stop` finds its process
                self._begin(run)
                if run.finished:
                    active.remove(run)
                    self._finished(run)
            now = time.perf_counter()
            timeout = min((self._deadline(run) for run in active), default=now) - now
            wake = WAKE_EVERY if self.cancel_if is None else CANCEL_EVERY
            self._deliver(self.pipes.wait(min(max(timeout, 0.0), wake)))
            now = time.perf_counter()
            table = None
            if (
                self.limits.memory_mb
                and containment.LINUX
                and now - self._measured >= MEASURE_EVERY
            ):
                table, self._measured = containment.Table(), now
            for run in list(active):
                self._check(run, now, table)
                if run.finished:
                    active.remove(run)
                    self._finished(run)
            if self.cancel_if is not None and self.cancel_if():
                raise Cancelled  # `grade_each` stops every grading process on the way out

    def _remove(self, run: _Run) -> None:
        """Drop the temporary folder of the run's last process (see `tidy_later`)."""
        if run.workspace is not None:
            self._trash.append(run.workspace)
            run.workspace = None

    def _deliver(self, arrived: list[tuple[processes.Process, int, bytes]]) -> None:
        """Hand what arrived on the grading processes' pipes to their runs."""
        for process, fd, data in arrived:
            run = next((run for run in self._active if run.process is process), None)
            if run is None:
                continue
            if fd == process.events:
                self._on_events(run, data)
            else:
                run.on_output(data)

    def _finished(self, run: _Run) -> None:
        runs = run.plan
        if self.on_done and all(other.finished for other in runs):
            self.on_done(_merge([other.result for other in runs]))

    # --- one exercise ---------------------------------------------------------------------------
    def _plan(self, target: Path, exercise: Exercise, shares: int) -> list[_Run]:
        """One run for the exercise, or up to `shares` runs over its spec files, as even as
        their cost allows: the time their specs took last time, else their size."""
        files = sorted((SPECS_DIR / exercise.name).glob("test_*.py"))
        shares = min(shares, len(files))
        if shares < 2:
            return [self._new_run(target, exercise)]
        known = [self._costs.get(f"{exercise.name}/{file.name}") for file in files]
        costs = (
            [float(cost or 0.0) for cost in known]
            if all(cost is not None for cost in known)
            else [float(file.stat().st_size) for file in files]
        )
        # The costliest file first, each to the share that ends soonest so far.
        groups: list[list[int]] = [[] for _ in range(shares)]
        totals = [0.0] * shares
        for index in sorted(range(len(files)), key=lambda i: -costs[i]):
            share = totals.index(min(totals))
            groups[share].append(index)
            totals[share] += costs[index]
        return [
            self._new_run(target, exercise, tuple(files[i].name for i in sorted(group)))
            for group in groups
            if group
        ]

    def _learn_costs(self, result: ExerciseResult) -> None:
        """Remember what each spec file of the exercise cost, to share it evenly next time."""
        if any(spec.status is SpecStatus.NOT_RUN for spec in result.specs):
            return  # cut short: it says little about the next grading
        costs: dict[str, float] = {}
        for spec in result.specs:
            file = spec.id.split("::", 1)[0]
            costs[file] = costs.get(file, 0.0) + spec.duration
        self._costs.update(costs)

    def _new_run(self, target: Path, exercise: Exercise, files: tuple[str, ...] = ()) -> _Run:
        result = ExerciseResult(
            number=exercise.number,
            slug=exercise.slug,
            title=exercise.title,
            max_score=float(exercise.points),
        )
        folder = target / exercise.name
        paths = {str(folder): exercise.name, str(target): target.name, str(ROOT): "."}
        return _Run(exercise, target, self.limits, result, files=files, paths=paths)

    def _begin(self, run: _Run) -> None:
        run.started = time.perf_counter()
        prepared = run.process
        folder = run.target / run.exercise.name
        if not folder.is_dir():
            self._drop_held([run])
            run.fail(ExerciseStatus.ERROR, f"folder {run.exercise.name} is missing from the target")
            run.close(run.started)
            return
        if prepared is not None:  # `prepare` started it: its specs are loaded, it waits
            # It must grade the files as they are now, not as they were when it started.
            assert run.copy is not None
            shutil.rmtree(run.copy, ignore_errors=True)
            copy_exercise(folder, run.copy.parent)
            prepared.release()
            self.pipes.watch(prepared)
            return
        self._spawn(run)

    def _spawn(self, run: _Run, *, hold: bool = False) -> None:
        run.done = False
        run.pending = b""
        run.dump = b""
        run.phase = events.RUN
        run.workspace, token = containment.new_workspace()
        run.copy = copy_exercise(run.target / run.exercise.name, run.workspace / "target")
        run.paths[str(run.copy)] = run.exercise.name
        job = Job(
            name=run.exercise.name,
            target=run.copy.parent,
            workspace=run.workspace,
            token=token,
            deselect=tuple(run.graded()),  # a restarted process skips what is already known
            files=run.files,
            fail_fast=self.fail_fast,
            spec_timeout=self.limits.spec,
            hold=hold,
        )
        with processes.signals_held():  # a Ctrl-C now stops it with the rest, once it is known
            run.process = processes.start(job, fork=self.fork)
            if not hold:  # a held process's pipes are watched once it is told to go
                self.pipes.watch(run.process)

    def _deadline(self, run: _Run) -> float:
        ends = run.started + self.limits.exercise
        if run.current is not None:
            ends = min(ends, run.spec_started + self.limits.spec)
        return ends

    def _on_events(self, run: _Run, data: bytes) -> None:
        if not data:
            return  # end of file: `_check` reaps the process
        lines = (run.pending + data).split(b"\n")
        run.pending = lines.pop()
        now = time.perf_counter()
        for line in lines:
            event = events.decode(line)
            if event is not None:
                run.on_event(event, now)
            elif len(run.dump) < 1_000_000:
                run.dump += line + b"\n"  # a stack dump, asked for when the process hung

    def _check(self, run: _Run, now: float, table: containment.Table | None = None) -> None:
        process = run.process
        if process is None:
            return
        if process.events not in process.open_pipes:  # the process ended, or is ending
            self._reap(run, now, killed=None)
        elif process.exited() or (run.done and now >= run.done_at + DONE_GRACE):
            # Ended, or done: what the app started may hold its pipes open, and must not be waited
            # for (a daemon, a thread that never ends).
            self._reap(run, now, killed=None)
        elif now >= run.started + self.limits.exercise:
            self._reap(run, now, killed="exercise")
        elif run.current is not None and now >= run.spec_started + self.limits.spec:
            self._reap(run, now, killed="spec")
        elif table is not None and process.pid is not None:
            held = table.resident_mb(table.grading(process.pid, self._others(run)))
            if run.workspace is not None:
                held += containment.stored_mb(run.workspace)
            if held > self.limits.memory_mb:
                self._reap(run, now, killed="memory")

    def _stuck_at(self, run: _Run) -> str | None:
        """`main.py, line 12`: where the hung grading process is in the learner's code."""
        process = run.process
        assert process is not None and run.copy is not None
        if process.ask_for_stacks():
            deadline = time.perf_counter() + DUMP_WAIT
            # Python code answers the second request: it cannot while a C call holds the
            # interpreter, and then the threads' stacks are all there is.
            while time.perf_counter() < deadline and events.END_OF_STACKS.encode() not in run.dump:
                self._deliver(self.pipes.wait(0.05))
        dump = (run.dump + run.pending).decode("utf-8", "replace")
        return stuck_at(dump, run.copy)

    def _reap(self, run: _Run, now: float, killed: str | None) -> None:
        process = run.process
        assert process is not None
        where = self._stuck_at(run) if killed in ("spec", "exercise") else None
        stuck = f" (stuck at {where})" if where else ""
        # Always: a finished grading process may still have left something the app started.
        process.kill(self._others(run))
        for fd, data in self.pipes.drain(process):
            if fd == process.output:
                run.on_output(data)
            else:
                self._on_events(run, data)
        how = process.wait()
        run.process = None
        self._remove(run)
        spec_limit, exercise_limit = self.limits.spec, self.limits.exercise
        if killed == "memory":
            message = (
                f"the app held more than {self.limits.memory_mb} MB of memory and was stopped "
                "(something that grows without end?)"
            )
            if run.phase in (events.IMPORT, events.STARTUP) or run.current is None:
                run.stop_current(SpecStatus.CRASHED, message)
                run.fail(ExerciseStatus.CRASHED, message)
            else:
                run.stop_current(SpecStatus.CRASHED, message)
        elif killed == "exercise":
            run.stop_current(
                SpecStatus.TIMEOUT, f"stopped: the exercise took over {exercise_limit:g} s{stuck}"
            )
            run.fail(
                ExerciseStatus.TIMEOUT,
                f"grading took longer than {exercise_limit:g} s, the limit per exercise{stuck}",
            )
        elif killed == "spec" and run.phase in (events.IMPORT, events.STARTUP):
            what = (
                "importing the app"
                if run.phase == events.IMPORT
                else "the app's startup (lifespan)"
            )
            message = (
                f"{what} did not finish within {spec_limit:g} s{stuck}: "
                "an endless loop or a blocking call?"
            )
            run.stop_current(SpecStatus.TIMEOUT, message)
            run.fail(ExerciseStatus.TIMEOUT, message)
        elif killed == "spec":
            run.stop_current(
                SpecStatus.TIMEOUT,
                f"did not finish within {spec_limit:g} s: the app hung or looped "
                f"while answering{f', at {where}' if where else ''} (an endless loop, a deadlock, "
                "a blocking call in async code?)",
            )
        elif run.done and run.current is not None:
            # Done, yet the spec under way has no result: pytest stopped in the middle of it.
            run.stop_current(
                SpecStatus.CRASHED, f"the grading process stopped during this spec ({how})"
            )
        elif not run.done:
            if run.phase in (events.IMPORT, events.STARTUP):
                what = "importing the app" if run.phase == events.IMPORT else "starting the app"
                message = f"the grading process died while {what} ({how})"
                run.stop_current(SpecStatus.CRASHED, message)
                run.fail(ExerciseStatus.CRASHED, message)
            elif run.current is not None:
                run.stop_current(
                    SpecStatus.CRASHED, f"the grading process died during this spec ({how})"
                )
            else:
                detail = run.result.output.strip().splitlines()[-1:] or [how]
                run.fail(
                    ExerciseStatus.CRASHED,
                    f"the grading process died before any spec ran ({how}): {detail[0]}",
                )
        can_go_on = run.result.failure is None and now < run.started + exercise_limit
        stopped_early = self.fail_fast and any(s.status.ended_badly for s in run.result.specs)
        if can_go_on and not stopped_early and run.unfinished():
            self._spawn(run)  # a fresh process for the specs that remain
        else:
            run.close(
                now,
                "--fail-fast stopped at the first spec that did not pass"
                if stopped_early
                else None,
            )


def _merge(parts: list[ExerciseResult]) -> ExerciseResult:
    """One exercise's result from the results of its shares, specs in file order."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    # Shares hold spec files in any order; the specs go back in file order (then their own).
    specs = sorted(
        (spec for part in parts for spec in part.specs), key=lambda spec: spec.id.split("::")[0]
    )
    merged = ExerciseResult(
        number=first.number,
        slug=first.slug,
        title=first.title,
        max_score=first.max_score,
        specs=specs,
        output="".join(part.output for part in parts),
        duration=max(part.duration for part in parts),
    )
    failed = next((part for part in parts if part.failure is not None), None)
    if failed is not None:
        merged.failure, merged.message = failed.failure, failed.message
    return merged


def copy_exercise(folder: Path, into: Path) -> Path:
    """A copy of the learner's exercise `folder` inside `into`, for a grading process to grade.

    Links are copied as links; a relative link that points out of the folder is made absolute,
    so that it still points where it did.
    """
    copy = into / folder.name
    shutil.copytree(
        folder, copy, symlinks=True, ignore=shutil.ignore_patterns(*NOT_COPIED), dirs_exist_ok=True
    )
    origin = folder.resolve()
    for here, directories, files in os.walk(copy):
        for name in directories + files:
            path = Path(here) / name
            if not path.is_symlink():
                continue
            pointed = os.readlink(path)
            if os.path.isabs(pointed):
                continue
            original = origin / path.relative_to(copy)
            absolute = Path(os.path.normpath(original.parent / pointed))
            if not absolute.is_relative_to(origin):
                path.unlink()
                path.symlink_to(absolute)
    return copy.resolve()


def _text(value: object) -> str | None:
    """A message from a grading process, never trusted to be harmless on a terminal."""
    return None if value is None else visible(str(value))


def default_jobs() -> int:
    """Grading processes to run at once: one per core, and no more than four."""
    return max(1, min(os.cpu_count() or 1, 4))
