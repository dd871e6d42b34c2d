"""The grader's commands, one module each; `grader.cli` builds the command line from this list.

A command module has `NAME`, `HELP` (one line, shown by `--help`), `configure(parser)` to add
its arguments, and `run(args, console) -> int` returning the exit status.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Protocol

from rich.console import Console


class UsageError(Exception):
    """The command was given something it cannot use; the message says what and what to do."""


class Command(Protocol):
    NAME: str
    HELP: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Console], int]


def _commands() -> list[Command]:
    from grader.commands import grade

    return [grade]  # type: ignore[list-item]


COMMANDS: list[Command] = _commands()
#: The command run when none is named: `python -m grader 05` grades exercise 05.
DEFAULT = "grade"
