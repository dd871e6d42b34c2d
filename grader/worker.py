"""A grading process: runs one exercise's specs against the learner's app and streams events.

The grader starts one per exercise, forked from itself where the OS can fork (so the heavy
imports are paid once) and as `python -m grader.worker` elsewhere. Either way it writes events
to a channel of its own, and everything the learner's app prints goes to a separate stream that
the grader reads, caps and reports.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from grader import ROOT, SPECS_DIR, events

#: Plugins the specs need; nothing installed in the environment is loaded behind their back.
PLUGINS = ("pytest_asyncio.plugin",)
#: pytest's own plugins the grader does without: each either writes files or costs time.
BLOCKED = (
    "cacheprovider",
    "logging",
    "junitxml",
    "pastebin",
    "doctest",
    "terminal",
    "stepwise",
    "unraisableexception",
)


@dataclass(frozen=True)
class Job:
    """What one grading process does: which specs, against which folder."""

    #: The exercise's folder name, as in the target and in `grader/specs/`.
    name: str
    target: Path
    #: A folder of the grader's own for pytest's temporary files; the grader removes it.
    workspace: Path
    #: Spec node ids already graded by an earlier process, to skip.
    deselect: tuple[str, ...] = ()
    #: Spec files of the exercise to run, or () for all of them.
    files: tuple[str, ...] = ()
    #: Stop at the first spec that does not pass.
    fail_fast: bool = False
    #: Load pytest and the specs, then wait for the grader's word before running them.
    hold: bool = False

    def to_args(self) -> list[str]:
        """The command-line form of the job, for `python -m grader.worker`."""
        return [
            self.name,
            str(self.target),
            str(self.workspace),
            *(f"--deselect={spec}" for spec in self.deselect),
            *(f"--file={file}" for file in self.files),
            *(["--fail-fast"] if self.fail_fast else []),
            *(["--hold"] if self.hold else []),
        ]


def run(job: Job, go: int | None = None) -> int:
    """Run the job's specs against the learner's app; return pytest's exit code. With `go`, wait
    for a byte on it once the specs are loaded (none: the grader gave up; run nothing)."""
    import pytest

    from grader.reporter import AppExit, Hold, Reporter

    if go is not None:
        from grader.engine import preload

        preload(extras=True)  # held, it has time to import now what apps import
    # What is imported by now lives as long as the process: the collector need not look at it
    # again (in a forked process, that is the whole of the grader, imported once).
    gc.freeze()

    def refuse_exit(status: int) -> NoReturn:
        raise AppExit(status)

    os._exit = refuse_exit  # the learner's app exiting must not take the grader's results along
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    paths = {
        str(job.target / job.name): job.name,
        str(job.target): job.target.name,
        str(job.workspace): "<tmp>",
        str(job.workspace.resolve()): "<tmp>",
        str(ROOT): ".",
    }
    args = [
        *(str(SPECS_DIR / job.name / file) for file in job.files or ["."]),
        "-c",
        str(SPECS_DIR / "pytest.ini"),
        "--rootdir",
        str(SPECS_DIR),
        f"--target={job.target}",
        f"--basetemp={job.workspace / 'pytest'}",
        "--capture=no",
        *(arg for plugin in PLUGINS for arg in ("-p", plugin)),
        *(arg for plugin in BLOCKED for arg in ("-p", f"no:{plugin}")),
        *(f"--deselect={spec}" for spec in job.deselect),
        *(["--exitfirst"] if job.fail_fast else []),
    ]
    plugins: list[object] = [Reporter(job.target / job.name, paths)]
    if go is not None:
        plugins.append(Hold(go))
    code = pytest.main(args, plugins=plugins)
    events.emit("done", code=int(code))
    return int(code)


def forked(job: Job, channel: int, output: int, go: int | None = None) -> NoReturn:
    """The body of a forked grading process: never returns into the grader's own code."""
    exit_now = os._exit
    code = 70
    try:
        os.setpgid(0, 0)  # one group, so the grader can stop anything the app starts
        _redirect_output(output)
        events.open_channel(channel)
        code = run(job, go)
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
    """`python -m grader.worker JOB...` (see `Job.to_args`): events on stdout, the app's output
    on stderr."""
    parser = argparse.ArgumentParser(prog="python -m grader.worker")
    parser.add_argument("name")
    parser.add_argument("target", type=Path)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--deselect", action="append", default=[])
    parser.add_argument("--file", action="append", default=[])
    parser.add_argument("--fail-fast", action="store_true")
    parser.add_argument("--hold", action="store_true")
    args = parser.parse_args(argv)
    go = os.dup(0) if args.hold else None  # the word to go comes on standard input
    channel = os.dup(1)
    _redirect_output(os.dup(2))
    events.open_channel(channel)
    job = Job(
        name=args.name,
        target=args.target,
        workspace=args.workspace,
        deselect=tuple(args.deselect),
        files=tuple(args.file),
        fail_fast=args.fail_fast,
        hold=args.hold,
    )
    return run(job, go)


if __name__ == "__main__":
    sys.exit(main())
