"""`reset EXERCISE [--restore]`: put an exercise's stub back, or bring the latest backup back."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.prompt import Confirm

from grader.commands import UsageError
from grader.launcher import shell
from grader.manifest import Exercise, load_track
from grader.progress import kata_home, shown
from grader.snapshots import Backups, Files, read_files, replace_files
from grader.stubs import StubError, stub_files
from grader.target import resolve_target

NAME = "reset"
HELP = "put an exercise's stub back (your attempt is backed up first); --restore undoes it"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exercise", metavar="EXERCISE", help="number (01) or slug (first_routes)")
    parser.add_argument(
        "--restore", action="store_true", help="bring back the latest backup of your attempt"
    )
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--from",
        dest="revision",
        metavar="REV",
        help="take the stub from this git revision (default: the kata's last change to it)",
    )
    parser.add_argument(
        "--target", metavar="DIR", help="folder laid out like exercises/ (default: exercises)"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    exercise = load_track().select([args.exercise])[0]
    target = resolve_target(args.target)
    folder = target / exercise.name
    backups = Backups(kata_home(), exercise.name)
    current = read_files(folder)
    if args.restore:
        return _restore(args, console, exercise, folder, backups, current)
    try:
        stub = stub_files(folder, args.revision)
    except StubError as error:
        raise UsageError(str(error)) from None
    if current == stub:
        console.print(f"{exercise.name} is already the stub: nothing to reset.")
        return 0
    if not args.yes and not _confirm(
        console,
        f"Put the stub of {exercise.number:02d} {exercise.title} back? Your files are "
        f"backed up in {shown(backups.folder)} first.",
    ):
        console.print("Nothing changed.")
        return 1
    saved = _back_up(backups, current)
    replace_files(folder, stub)
    console.print(f"{shown(folder)} is the stub again.")
    if saved is not None:
        console.print(
            f"Your attempt is in {shown(saved)}; "
            f"`{shell('reset', f'{exercise.number:02d}', '--restore')}` brings it back."
        )
    return 0


def _restore(
    args: argparse.Namespace,
    console: Console,
    exercise: Exercise,
    folder: Path,
    backups: Backups,
    current: Files,
) -> int:
    chosen = backups.latest_other_than(current)
    if chosen is None:
        what = "matches its latest backup" if backups.all() else "has no backup to restore"
        console.print(f"{exercise.name} {what}: nothing to restore.")
        return 0 if backups.all() else 1
    if not args.yes and not _confirm(
        console,
        f"Bring back {shown(chosen)} into {shown(folder)}? Your current files are backed up first.",
    ):
        console.print("Nothing changed.")
        return 1
    try:
        stub: Files | None = stub_files(folder, args.revision)
    except StubError:
        stub = None  # no stub to compare with: back up whatever is there
    saved = None if current == stub else _back_up(backups, current)
    replace_files(folder, read_files(chosen))
    console.print(f"{shown(folder)} holds your attempt from {shown(chosen)} again.")
    if saved is not None:
        console.print(f"What it held before is in {shown(saved)}.")
    return 0


def _back_up(backups: Backups, files: Files) -> Path | None:
    """The backup holding `files`: one made earlier if it holds exactly them, else a new one."""
    if not files:
        return None
    return backups.find(files) or backups.save(files)


def _confirm(console: Console, question: str) -> bool:
    try:
        return Confirm.ask(question, console=console, default=False)
    except EOFError:
        return False
