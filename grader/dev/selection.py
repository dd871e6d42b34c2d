"""The exercise an author's tool works on, and the one-line errors (exit 2) for bad input."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from grader import ROOT, SPECS_DIR
from grader.manifest import Exercise, ManifestError, SelectionError, load_track

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input: the message says what is wrong and what to do, in one line."""


class Parser(argparse.ArgumentParser):
    """argparse, with its errors in one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (`{self.prog} --help` shows the usage)\n")


@dataclass(frozen=True)
class Chosen:
    """An exercise of the track, the folder that holds its app, and its specs."""

    exercise: Exercise
    folder: Path
    specs: Path


def choose(query: str, target: str | Path | None = None) -> Chosen:
    """The exercise named by number or slug (as `grade` takes it), in `target` (`solutions/`)."""
    try:
        [exercise] = load_track().select([query])
    except (ManifestError, SelectionError) as error:
        raise UsageError(str(error)) from None
    base = Path(target) if target else ROOT / "solutions"
    folder = (base if base.is_absolute() else Path.cwd() / base) / exercise.name
    if not folder.is_dir():
        raise UsageError(
            f"no folder {exercise.name} in {base}; "
            "pass --target with a folder laid out like solutions/"
        )
    return Chosen(exercise, folder.resolve(), SPECS_DIR / exercise.name)


def fail(message: str) -> NoReturn:
    """End with one line on stderr and exit status 2."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    return parser.parse_args(list(sys.argv[1:] if argv is None else argv))
