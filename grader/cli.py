"""`python -m grader COMMAND ...`: the command line behind every nox session.

Each command is a module in `grader.commands`. Bad input (an unknown exercise, a missing folder,
a broken manifest) ends in one line on stderr that says what is wrong and what to do, and exit
status 2; never a traceback.

Exit status: 0 when every graded spec passed (or the score reached `--fail-under`), 1 when some
did not, 2 for a usage error, 3 for an internal error, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from rich.console import Console

from grader.commands import COMMANDS, DEFAULT, UsageError
from grader.manifest import ManifestError, SelectionError

EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 2, 3, 130


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors in one line that points at `--help`."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (`{self.prog} --help` shows the usage)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m grader",
        description="FastAPI Kata's grader; each command is a nox session: nox -s NAME -- ARGS",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        sub = commands.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        command.configure(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    names = {command.NAME for command in COMMANDS}
    if not args_list or (args_list[0] not in names and args_list[0] not in ("-h", "--help")):
        args_list.insert(0, DEFAULT)
    parser = build_parser()
    args = parser.parse_args(args_list)
    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False)
    try:
        return int(args.run(args, console))
    except (UsageError, ManifestError, SelectionError) as error:
        errors.print(f"[bold red]error:[/] {error}", markup=True, soft_wrap=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        errors.print("interrupted")
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, exit 3
        if os.environ.get("KATA_DEBUG"):
            traceback.print_exc()
        errors.print(
            f"internal error: {type(error).__name__}: {error} "
            "(set KATA_DEBUG=1 to see the traceback, and please report it)",
            markup=False,
            soft_wrap=True,
        )
        return EXIT_INTERNAL
