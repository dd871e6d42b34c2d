"""`python -m grader COMMAND ...`: the command line behind every nox session.

Each command is a module in `grader.commands`. Bad input (an unknown exercise, a missing folder,
a broken manifest) ends in one line on stderr that says what is wrong and what to do, and exit
status 2; never a traceback.

Exit status: 0 when every graded spec passed (or the score reached `--fail-under`), 1 when some
did not, 2 for a usage error, 3 for an internal error, 128 + N when stopped by signal N: 130 for
Ctrl-C (SIGINT), 143 for SIGTERM, 129 for SIGHUP (the terminal closed). A grading stopped so ends
every process it started and leaves `.kata/` whole.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

from rich.console import Console

from grader.commands import COMMANDS, DEFAULT, UsageError
from grader.launcher import shell
from grader.manifest import ManifestError, SelectionError

EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 2, 3, 130
#: Signals that stop the grader the way Ctrl-C does, cleaning up first.
STOPPING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(KeyboardInterrupt):
    """The grader was told to stop (SIGTERM, SIGHUP): unwound like Ctrl-C, so that `finally`
    blocks end the grading processes and no file in `.kata/` is left half written."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_received: list[int] = []


def _stop(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    if len(_received) == 1:  # once: the unwinding under way must not be cut short
        raise Stopped(signum)


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors in one line that points at `--help`."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (`{self.prog} --help` shows the usage)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m grader",
        description="FastAPI Kata's grader; each command is also a session of the noxfile: "
        + shell("NAME", "ARGS"),
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
    for signum in STOPPING:
        signal.signal(signum, _stop)
    try:
        code = int(args.run(args, console))
        return 128 + _received[0] if _received else code
    except (UsageError, ManifestError, SelectionError) as error:
        errors.print(f"[bold red]error:[/] {error}", markup=True, soft_wrap=True)
        return EXIT_USAGE
    except KeyboardInterrupt as stop:
        try:
            errors.print("interrupted" if not isinstance(stop, Stopped) else f"stopped ({stop})")
        except OSError:  # the terminal is gone (SIGHUP)
            pass
        return 128 + stop.signum if isinstance(stop, Stopped) else EXIT_INTERRUPTED
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
