"""`hint EXERCISE [--more]`: progressive hints for the first task that does not pass yet.

The hints are the task's `hints` in `grader/track.toml`, from a nudge to a specific pointer;
each call shows one more than the last (`--more`: two more), and the count starts over when the
first unfinished task changes. How far the learner got is kept in `.kata/hints.json`.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from grader.engine import Engine, default_jobs
from grader.launcher import shell
from grader.manifest import Exercise, Task, load_track
from grader.progress import ExerciseProgress, Store, record_grading, shown, target_key
from grader.snapshots import read_files
from grader.storage import atomic_write, set_aside
from grader.target import resolve_target

NAME = "hint"
HELP = "a hint for the first unfinished task of an exercise; each call a more specific one"

#: exercise name -> [task number, hints shown]
_State = dict[str, tuple[int, int]]
_STATE = TypeAdapter(_State)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exercise", metavar="EXERCISE", help="number (01) or slug (first_routes)")
    parser.add_argument(
        "--more", action="store_true", help="skip ahead: two hints further instead of one"
    )
    parser.add_argument(
        "--target", metavar="DIR", help="folder laid out like exercises/ (default: exercises)"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    exercise = load_track().select([args.exercise])[0]
    target = resolve_target(args.target)
    store = Store()
    known = store.progress(target_key(target)).get(exercise.name)
    if known is None or _changed_since(target / exercise.name, known.last_time):
        # Hints are for where the learner stands now, not at their last grading.
        Console(stderr=True).print(f"grading {exercise.name} to see where you stand…")
        record_grading(Engine(target, jobs=default_jobs()).grade([exercise]), target)
        known = store.progress(target_key(target)).get(exercise.name)
    assert known is not None
    if known.last_status == "passed":
        console.print(
            f"{exercise.number:02d} {exercise.title} passes: no hint needed. "
            f"See the reference solution with `{shell('compare', f'{exercise.number:02d}')}`."
        )
        return 0
    # No spec ran (the app did not load, say): the first task is where to start.
    first = known.unfinished_tasks[0] if known.unfinished_tasks else 1
    task = exercise.task(first) or exercise.tasks[0]
    state = _load(store)
    task_seen, seen = state.get(exercise.name, (task.number, 0))
    if task_seen != task.number:
        seen = 0
    shown_now = min(seen + (2 if args.more else 1), len(task.hints))
    state[exercise.name] = (task.number, shown_now)
    try:
        with store.lock:
            data = json.dumps(_STATE.dump_python(state)).encode()
            atomic_write(store.home / "hints.json", data)
    except OSError as error:
        store.warn(f"warning: which hints you saw is not recorded in {shown(store.home)}: {error}")
    _print(console, exercise, task, shown_now, seen, known)
    return 0


def _print(
    console: Console, exercise: Exercise, task: Task, count: int, seen: int, known: ExerciseProgress
) -> None:
    console.print(
        Text.assemble(
            (f"{exercise.number:02d} {exercise.title}", "bold"),
            f" · Task {task.number}: {task.title}",
            (f"  (hint {count} of {len(task.hints)})", "dim"),
        )
    )
    hints = Table.grid(padding=(1, 1))
    hints.add_column(justify="right", no_wrap=True)
    hints.add_column()
    for number, text in enumerate(task.hints[:count], start=1):
        newest = number == count and count > seen
        hints.add_row(
            Text(f"{number}.", style="bold cyan" if newest else "dim"),
            Text(text, style="" if newest else "dim"),
        )
    console.print(Padding(hints, (0, 0, 0, 2)))
    console.print()
    if count < len(task.hints):
        console.print(
            Text(
                f"Still stuck? `{shell('hint', f'{exercise.number:02d}')}` again for a more "
                "specific one.",
                style="dim",
            )
        )
    else:
        console.print(
            Text(
                "That is every hint for this task. Once the exercise passes, "
                f"`{shell('compare', f'{exercise.number:02d}')}` shows the reference solution.",
                style="dim",
            )
        )


def _load(store: Store) -> _State:
    path = store.home / "hints.json"
    try:
        return _STATE.validate_json(path.read_bytes())
    except OSError:  # none yet, or unreadable: hints start from the first
        return {}
    except ValidationError:
        try:
            moved = set_aside(path)
        except OSError:
            return {}
        if moved is not None:
            store.warn(
                f"warning: {shown(path)} was set aside as {moved.name} (it is not a file this "
                "grader wrote); hints start again from the first"
            )
        return {}


def _changed_since(folder: Path, timestamp: str) -> bool:
    """Whether a file of `folder` was saved after `timestamp` (ISO 8601)."""
    since = datetime.fromisoformat(timestamp).timestamp()
    files = read_files(folder)
    return any((folder / name).lstat().st_mtime > since for name in files)
