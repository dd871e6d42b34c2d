"""`reset EXERCISE [--restore]`: put an exercise's stub back, or bring the latest backup back.

The stub is the exercise as the kata's authors last committed it, README included
(`grader.stubs`). Only the files that differ from it are written or removed, after a backup of
the folder; when none differ, nothing is touched and reset says so.
"""

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
from grader.stubs import StubError, same, stub_at, stub_files
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
        help="take the stub from this git revision (default: as the kata's authors last made it)",
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
        stub = _stub(exercise, folder, args.revision)
    except StubError as error:
        raise UsageError(str(error)) from None
    changed = differences(current, stub)
    if not changed:
        console.print(
            f"{shown(folder)} is already the stub, as the kata's authors last made it: "
            "nothing to reset, nothing touched."
        )
        return 0
    if not args.yes and not _confirm(
        console,
        f"Put the stub of {exercise.number:02d} {exercise.title} back? {_what(changed, stub)} "
        f"Your files are backed up in {shown(backups.folder)} first.",
    ):
        console.print("Nothing changed.")
        return 1
    saved = _back_up(backups, current)
    # A file that is the stub's but for its line endings is the learner's to keep as it is.
    replace_files(
        folder,
        {
            name: current.get(name, content) if name not in changed else content
            for name, content in stub.items()
        },
    )
    console.print(f"{shown(folder)} is the stub again.")
    if saved is not None:
        console.print(
            f"Your attempt is in {shown(saved)}; "
            f"`{shell('reset', f'{exercise.number:02d}', '--restore')}` brings it back."
        )
    return 0


def differences(current: Files, stub: Files) -> list[str]:
    """The files that putting the stub back would write or remove, in order."""
    names = sorted(set(current) | set(stub))
    return [
        name
        for name in names
        if name not in current or name not in stub or not same(current[name], stub[name])
    ]


def _what(changed: list[str], stub: Files) -> str:
    put = [name for name in changed if name in stub]
    gone = [name for name in changed if name not in stub]
    said = []
    if put:
        said.append(f"{_names(put)} {'goes' if len(put) == 1 else 'go'} back to the stub")
    if gone:
        said.append(f"{_names(gone)} {'goes' if len(gone) == 1 else 'go'} away")
    return "; ".join(said).capitalize() + "."


def _names(names: list[str]) -> str:
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _stub(exercise: Exercise, folder: Path, revision: str | None) -> Files:
    return stub_at(folder, revision) if revision else stub_files(exercise.name, folder.parent)


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
        stub: Files | None = _stub(exercise, folder, args.revision)
    except StubError:
        stub = None  # no stub to compare with: back up whatever is there
    saved = (
        None if stub is not None and not differences(current, stub) else _back_up(backups, current)
    )
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
