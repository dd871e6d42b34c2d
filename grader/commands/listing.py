"""`list`: the track as a table, with where the learner stands on each exercise."""

from __future__ import annotations

import argparse
from datetime import datetime

from rich.console import Console
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from grader.launcher import shell
from grader.manifest import Exercise, Track, load_track
from grader.progress import ExerciseProgress, Store, target_key
from grader.results import ExerciseStatus
from grader.scorecard import STYLES, Marks
from grader.stubs import keep_pristine
from grader.target import resolve_target

NAME = "list"
HELP = "the track: each exercise's status and best score, the next one, and your progress"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target", metavar="DIR", help="folder laid out like exercises/ (default: exercises)"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    track = load_track()
    target = resolve_target(args.target)
    keep_pristine(target)  # without git, the stubs are kept while they are untouched
    progress = Store().progress(target_key(target))
    nxt = next_exercise(track, progress)
    marks = Marks(console)
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("")
    table.add_column("#", justify="right")
    table.add_column("Exercise")
    table.add_column("Difficulty")
    table.add_column("Status")
    table.add_column("Best", justify="right")
    table.add_column("Passed on")
    for exercise in track.exercises:
        known = progress.get(exercise.name)
        is_next = nxt is not None and exercise.name == nxt.name
        table.add_row(
            Text("→" if marks.ok == "✓" else ">", style="bold cyan") if is_next else "",
            f"{exercise.number:02d}",
            Text(exercise.title, style="bold" if is_next else ""),
            exercise.difficulty,
            _status(known),
            _best(exercise, known),
            _date(known.first_passed) if known and known.first_passed else "",
        )
    console.print(table)
    console.print()
    console.print(_totals(track, progress, console))
    if nxt is None:
        console.print(Text("Every exercise has passed. Well done!", style="bold green"))
    else:
        console.print(
            Text.assemble(
                ("Next up: ", "bold"),
                f"{nxt.number:02d} {nxt.title} ",
                ("(", "dim"),
                (shell("watch", f"{nxt.number:02d}"), "cyan"),
                (")", "dim"),
            )
        )
    return 0


def next_exercise(
    track: Track, progress: dict[str, ExerciseProgress], after: Exercise | None = None
) -> Exercise | None:
    """The first exercise in track order that never passed, other than `after`."""
    return next(
        (
            exercise
            for exercise in track.exercises
            if (after is None or exercise.name != after.name)
            and not (exercise.name in progress and progress[exercise.name].done)
        ),
        None,
    )


def _status(known: ExerciseProgress | None) -> Text:
    if known is None:
        return Text("not graded yet", style="dim")
    status = ExerciseStatus(known.last_status)
    return Text(status.label, style=STYLES[status])


def _best(exercise: Exercise, known: ExerciseProgress | None) -> str:
    best = known.best_score if known else 0.0
    return f"{_points(best)}/{exercise.points}"


def _totals(track: Track, progress: dict[str, ExerciseProgress], console: Console) -> Table:
    done = sum(1 for e in track.exercises if e.name in progress and progress[e.name].done)
    score = sum(progress[e.name].best_score for e in track.exercises if e.name in progress)
    points = sum(exercise.points for exercise in track.exercises)
    percent = 100 * score / points if points else 0.0
    line = Table.grid(padding=(0, 2))
    line.add_row(
        Text.assemble(("Progress: ", "bold"), f"{done} of {len(track.exercises)} exercises done"),
        f"{_points(score)}/{points} points ({percent:.0f}%)",
        ProgressBar(total=points or 1, completed=score, width=min(30, console.width // 4)),
    )
    return line


def _date(timestamp: str) -> str:
    return datetime.fromisoformat(timestamp).astimezone().strftime("%Y-%m-%d %H:%M")


def _points(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"
