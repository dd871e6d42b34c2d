"""A grading process: runs one exercise's specs against the learner's app and streams events.

The grader starts one per exercise, forked from itself where the OS can fork (so the heavy
imports are paid once) and as `python -m grader.worker` elsewhere. Either way it writes events
to a channel of its own, and everything the learner's app prints goes to a separate stream that
the grader reads, caps and reports.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from grader import ROOT, SPECS_DIR, events

#: Plugins the specs need; nothing installed in the environment is loaded behind their back.
PLUGINS = ("pytest_asyncio.plugin",)
#: pytest's own plugins the grader does without: each either writes files or costs time.
BLOCKED = ("cacheprovider", "logging", "junitxml", "pastebin", "doctest", "terminal", "stepwise")


def run(name: str, target: Path, deselect: Sequence[str] = (), files: Sequence[str] = ()) -> int:
    """Run the specs of exercise `name` (only those in `files`, if given) against `target`."""
    import pytest

    from grader.reporter import AppExit, Reporter

    def refuse_exit(status: int) -> NoReturn:
        raise AppExit(status)

    os._exit = refuse_exit  # the learner's app exiting must not take the grader's results along
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    basetemp = Path(tempfile.mkdtemp(prefix="kata-"))
    paths = {
        str(target / name): name,
        str(target): target.name,
        str(basetemp): "<tmp>",
        str(basetemp.resolve()): "<tmp>",
        str(ROOT): ".",
    }
    args = [
        *(str(SPECS_DIR / name / file) for file in files or ["."]),
        "-c",
        str(SPECS_DIR / "pytest.ini"),
        "--rootdir",
        str(SPECS_DIR),
        f"--target={target}",
        f"--basetemp={basetemp / 'pytest'}",
        "--capture=no",
        *(arg for plugin in PLUGINS for arg in ("-p", plugin)),
        *(arg for plugin in BLOCKED for arg in ("-p", f"no:{plugin}")),
        *(f"--deselect={spec}" for spec in deselect),
    ]
    try:
        code = pytest.main(args, plugins=[Reporter(target / name, paths)])
    finally:
        shutil.rmtree(basetemp, ignore_errors=True)
    events.emit("done", code=int(code))
    return int(code)


def forked(
    name: str,
    target: Path,
    deselect: Sequence[str],
    files: Sequence[str],
    channel: int,
    output: int,
) -> NoReturn:
    """The body of a forked grading process: never returns into the grader's own code."""
    exit_now = os._exit
    code = 70
    try:
        os.setpgid(0, 0)  # one group, so the grader can stop anything the app starts
        _redirect_output(output)
        events.open_channel(channel)
        code = run(name, target, deselect, files)
    except BaseException:  # noqa: BLE001 - whatever happened, this process must end here
        code = 70
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        exit_now(code)


def _redirect_output(fd: int) -> None:
    """Send fds 1 and 2 to `fd`, line-buffered, and read stdin from nowhere."""
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    if fd > 2:
        os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdout = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True
    )
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True
    )
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m grader.worker NAME TARGET`: events on stdout, the app's output on stderr."""
    parser = argparse.ArgumentParser(prog="python -m grader.worker")
    parser.add_argument("name")
    parser.add_argument("target", type=Path)
    parser.add_argument("--deselect", action="append", default=[])
    parser.add_argument("--file", action="append", default=[])
    args = parser.parse_args(argv)
    channel = os.dup(1)
    _redirect_output(os.dup(2))
    events.open_channel(channel)
    return run(args.name, args.target, args.deselect, args.file)


if __name__ == "__main__":
    sys.exit(main())
