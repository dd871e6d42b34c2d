"""`serve EXERCISE [UVICORN OPTIONS]`: run an exercise's app by hand, with auto-reload."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from rich.console import Console

from grader.manifest import load_track
from grader.target import require_folders, resolve_target

NAME = "serve"
HELP = "run an exercise's app with uvicorn and auto-reload, to try it by hand"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exercise", metavar="EXERCISE", help="number (05) or slug (crud)")
    parser.add_argument(
        "--target", metavar="DIR", help="folder laid out like exercises/ (default: exercises)"
    )
    parser.add_argument(
        "uvicorn", nargs=argparse.REMAINDER, metavar="...", help="more options for uvicorn"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    exercise = load_track().find(args.exercise)
    target = resolve_target(args.target)
    require_folders(target, [exercise], args.target or "exercises")
    command = [sys.executable, "-m", "uvicorn", exercise.app, "--reload", *args.uvicorn]
    folder = target / exercise.name
    console.print(f"serving {exercise.name} with uvicorn --reload (Ctrl-C stops it)")
    if os.name == "posix":
        console.file.flush()
        os.chdir(folder)
        os.execv(sys.executable, command)  # uvicorn answers Ctrl-C itself
    return subprocess.call(command, cwd=folder)
