"""The grader's commands, one module each; `grader.cli` builds the command line from this list.

A command module has `NAME`, `HELP` (one line, shown by `--help`), `configure(parser)` to add
its arguments, and `run(args, console) -> int` returning the exit status.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import Protocol, cast

from rich.console import Console


class UsageError(Exception):
    """The command was given something it cannot use; the message says what and what to do."""


class Command(Protocol):
    NAME: str
    HELP: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Console], int]


#: The command modules, in the order `--help` lists them.
_MODULES = ("grade", "listing", "hint", "watch", "reset", "compare", "serve")


def _commands() -> list[Command]:
    return [cast(Command, importlib.import_module(f"grader.commands.{name}")) for name in _MODULES]


COMMANDS: list[Command] = _commands()
#: The command run when none is named: `python -m grader 05` grades exercise 05.
DEFAULT = "grade"
