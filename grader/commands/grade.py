"""`grade [EXERCISE ...]`: grade exercises and print the scorecard."""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from grader import processes
from grader.commands import UsageError
from grader.engine import Engine, Limits, default_jobs
from grader.manifest import Exercise, load_track
from grader.progress import record_grading
from grader.results import ExerciseResult, RunResult
from grader.scorecard import render
from grader.storage import atomic_write
from grader.stubs import keep_pristine
from grader.target import require_folders, resolve_target

NAME = "grade"
HELP = "grade exercises (all, or those named by number or slug) and print the scorecard"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "exercises", nargs="*", metavar="EXERCISE", help="number (05) or slug (crud); default: all"
    )
    add_grading_options(parser)
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write results as JSON")
    parser.add_argument(
        "--fail-under",
        metavar="PERCENT",
        type=_percent,
        help="exit 0 when the score reaches PERCENT of the points (for CI), else 1",
    )
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("-v", "--verbose", action="store_true", help="every spec of every exercise")
    shown.add_argument("-q", "--quiet", action="store_true", help="the summary table only")


def add_grading_options(parser: argparse.ArgumentParser) -> None:
    """Options every command that grades shares: what to grade, and the limits."""
    parser.add_argument(
        "--target", metavar="DIR", help="folder laid out like exercises/ (default: exercises)"
    )
    parser.add_argument(
        "--spec-timeout",
        metavar="SECONDS",
        type=_seconds,
        default=Limits.spec,
        help=f"time limit per spec (default: {Limits.spec:g})",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        default=Limits.exercise,
        help=f"time limit per exercise (default: {Limits.exercise:g})",
    )
    parser.add_argument(
        "--memory",
        metavar="MB",
        type=_megabytes,
        default=Limits.memory_mb,
        help=f"memory a grading process may hold, in MiB, on Linux; 0 for no limit "
        f"(default: {Limits.memory_mb})",
    )
    parser.add_argument(
        "--jobs",
        metavar="N",
        type=_count,
        default=default_jobs(),
        help="exercises graded at once (default: one per core, up to 4)",
    )
    parser.add_argument(
        "--fail-fast",
        action="store_true",
        help="stop grading each exercise at its first spec that does not pass",
    )
    parser.add_argument(
        "--isolation",
        choices=("fork", "spawn"),
        default="fork" if processes.CAN_FORK else "spawn",
        help="how grading processes start: fork (fast, POSIX) or spawn (portable)",
    )


def engine_for(args: argparse.Namespace, target: Path) -> Engine:
    """An engine for `target` with the limits and isolation the grading options ask for."""
    return Engine(
        target,
        limits=Limits(spec=args.spec_timeout, exercise=args.timeout, memory_mb=args.memory),
        jobs=args.jobs,
        fork=args.isolation == "fork",
        fail_fast=args.fail_fast,
    )


def run(args: argparse.Namespace, console: Console) -> int:
    track = load_track()
    target = resolve_target(args.target)
    keep_pristine(target)  # without git, the stubs are kept while they are untouched
    exercises = track.select(args.exercises)
    if args.exercises:
        require_folders(target, exercises, args.target or "exercises")
    if args.json is not None:
        check_writable(args.json, "--json")
    result = _grade_with_progress(engine_for(args, target), exercises)
    record_grading(result, target)
    detail = args.verbose or (len(exercises) == 1 and not args.quiet)
    render(console, result, track, detail=detail)
    if args.json is not None:
        write_json(args.json, result)
    return exit_status(result, args.fail_under)


def _grade_with_progress(engine: Engine, exercises: list[Exercise]) -> RunResult:
    stderr = Console(stderr=True)
    if len(exercises) < 2 or not stderr.is_terminal:
        return engine.grade(exercises)
    # No refresh thread: grading processes are forked, and forking while a thread runs is unsafe.
    progress = Progress(
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=stderr,
        transient=True,
        auto_refresh=False,
    )
    task = progress.add_task("", total=len(exercises))

    def done(result: ExerciseResult) -> None:
        progress.update(task, advance=1, description=f"{result.name}: {result.status.label}")
        progress.refresh()

    engine.on_done = done
    with progress:
        progress.refresh()
        return engine.grade(exercises)


def exit_status(result: RunResult, fail_under: float | None) -> int:
    if fail_under is not None:
        return 0 if result.percent + 1e-9 >= fail_under else 1
    return 0 if result.all_passed else 1


def write_json(path: Path, result: RunResult) -> None:
    """Write the results whole or not at all: a reader never sees half a file."""
    data = json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
    atomic_write(path, data.encode("utf-8"))


def check_writable(path: Path, option: str) -> None:
    """Refuse, before any work is done, a file that cannot be written."""
    folder = path.resolve().parent
    if path.is_dir():
        raise UsageError(f"cannot write {option} {path}: it is a folder; name a file in it")
    if not folder.is_dir():
        raise UsageError(f"cannot write {option} {path}: its folder does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write {option} {path}: permission denied")


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise argparse.ArgumentTypeError(
            f"{value!r}: a time limit is a number of seconds above 0 (such as 10 or 2.5)"
        )
    return seconds


def _megabytes(value: str) -> int:
    return _whole(value, 0, "MiB", "memory is 0 (no limit) or more MiB")


def _count(value: str) -> int:
    return _whole(value, 1, "processes", "at least 1 process grades at a time")


def _whole(value: str, least: int, unit: str, rule: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of {unit}") from None
    if number < least:
        raise argparse.ArgumentTypeError(f"{value!r}: {rule}")
    return number


def _percent(value: str) -> float:
    try:
        percent = float(value.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a percentage") from None
    if not 0 <= percent <= 100:
        raise argparse.ArgumentTypeError("a percentage is from 0 to 100")
    return percent
