"""A grading process: runs one exercise's specs against the learner's app and streams events.

The grader starts one per exercise, forked from itself where the OS can fork (so the heavy
imports are paid once) and as `python -m grader.worker` elsewhere. Either way it writes events
to a channel of its own, and everything the learner's app prints goes to a separate stream that
the grader reads, caps and reports.
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import io
import os
import signal
import sys
import tempfile
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import NoReturn

from grader import ROOT, SPECS_DIR, containment, events

#: Plugins the specs need; nothing installed in the environment is loaded behind their back.
PLUGINS = ("pytest_asyncio.plugin",)
#: The signals that stop the grader (Ctrl-C, SIGTERM, a closed terminal), and a grading process.
STOPPING = frozenset(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
#: The real `os._exit`: `run` puts one in its place that the learner's app cannot end it with.
_EXIT_NOW = os._exit
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
    #: The folder holding the exercise folder to grade (the grader's copy of the learner's).
    target: Path
    #: The grading's own temporary folder (`TMPDIR` of the app too); the grader removes it.
    workspace: Path
    #: The grading's mark (see `grader.containment`).
    token: str
    #: Spec node ids already graded by an earlier process, to skip.
    deselect: tuple[str, ...] = ()
    #: Spec files of the exercise to run, or () for all of them.
    files: tuple[str, ...] = ()
    #: Stop at the first spec that does not pass.
    fail_fast: bool = False
    #: The time limit per spec, where the grader cannot ask for a stack dump (no SIGUSR1).
    spec_timeout: float = 10.0
    #: Load pytest and the specs, then wait for the grader's word before running them.
    hold: bool = False

    @property
    def temporary(self) -> Path:
        """The app's temporary folder (`TMPDIR`, `TEMP`, `TMP`), inside the workspace."""
        return self.workspace / "tmp"

    def to_args(self) -> list[str]:
        """The command-line form of the job, for `python -m grader.worker`."""
        return [
            self.name,
            str(self.target),
            str(self.workspace),
            self.token,
            f"--spec-timeout={self.spec_timeout!r}",
            *(f"--deselect={spec}" for spec in self.deselect),
            *(f"--file={file}" for file in self.files),
            *(["--fail-fast"] if self.fail_fast else []),
            *(["--hold"] if self.hold else []),
        ]


def run(job: Job, channel: int, go: int | None = None) -> int:
    """Run the job's specs against the learner's app, writing events and stack dumps to
    `channel`; return pytest's exit code. With `go`, wait for a byte on it once the specs are
    loaded (none: the grader gave up; run nothing)."""
    import pytest

    from grader.reporter import AppExit, Hold, Reporter

    if go is not None:
        from grader.engine import preload

        preload(extras=True)  # held, it has time to import now what apps import
    # What is imported by now lives as long as the process: the collector need not look at it
    # again (in a forked process, that is the whole of the grader, imported once).
    gc.freeze()

    grading = os.getpid()

    def refuse_exit(status: int) -> NoReturn:
        if os.getpid() != grading:  # a process the app forked: it may end as it likes
            _EXIT_NOW(status)
        raise AppExit(status)

    os._exit = refuse_exit  # the learner's app exiting must not take the grader's results along
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    # Whatever the app puts in temporary files goes into the grading's folder, removed after.
    job.temporary.mkdir(exist_ok=True)
    for variable in ("TMPDIR", "TEMP", "TMP"):
        os.environ[variable] = str(job.temporary)
    tempfile.tempdir = str(job.temporary)
    # Where a spec hangs: the grader asks for every thread's stack (SIGUSR1, answered even while
    # Python code holds the interpreter) and for the coroutines waiting in the learner's code
    # (SIGUSR2) before stopping it.
    if hasattr(signal, "SIGUSR1") and hasattr(signal, "SIGUSR2"):
        faulthandler.register(signal.SIGUSR1, file=channel, all_threads=True)
        folder = str((job.target / job.name).resolve()) + os.sep

        def dump_coroutines(signum: int, frame: FrameType | None) -> None:
            _dump_coroutines(channel, folder)

        signal.signal(signal.SIGUSR2, dump_coroutines)
        dump_after = None
    else:
        dump_after = max(job.spec_timeout - 0.5, job.spec_timeout * 0.8)
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
    plugins: list[object] = [
        Reporter(job.target / job.name, paths, channel=channel, dump_after=dump_after)
    ]
    if go is not None:
        plugins.append(Hold(go))
    code = pytest.main(args, plugins=plugins)
    events.emit("done", code=int(code))
    return int(code)


def _dump_coroutines(channel: int, folder: str) -> None:
    """Write where each coroutine of the learner's code waits, innermost first, in the form of
    faulthandler's dumps, then `events.END_OF_STACKS`."""
    waiting: dict[int, tuple[object, FrameType]] = {}
    for thing in gc.get_objects():
        frame, awaited = _suspension(thing)
        # At an `await`, not at a `yield`: a dependency paused at its yield is not stuck.
        if (
            frame is not None
            and awaited is not None
            and frame.f_code.co_filename.startswith(folder)
        ):
            waiting[id(thing)] = (awaited, frame)
    outer = {id(awaited) for awaited, _ in waiting.values()}
    ordered = sorted(waiting.items(), key=lambda item: item[0] in outer)
    lines = ["Coroutines waiting in the learner's code (innermost first):"]
    for _, (_, frame) in ordered:
        code = frame.f_code
        lines.append(f'  File "{code.co_filename}", line {frame.f_lineno} in {code.co_name}')
    lines.append(events.END_OF_STACKS)
    try:
        os.write(channel, ("\n".join(lines) + "\n").encode("utf-8", "replace"))
    except OSError:
        pass


def _suspension(thing: object) -> tuple[FrameType | None, object | None]:
    """A suspended coroutine's (or generator's) frame, and what it awaits (None at a yield)."""
    if isinstance(thing, types.CoroutineType):
        return (None, None) if thing.cr_running else (thing.cr_frame, thing.cr_await)
    if isinstance(thing, types.AsyncGeneratorType):
        # `ag_running` stays true while it waits inside an `await`: what it awaits tells.
        return thing.ag_frame, thing.ag_await
    if isinstance(thing, types.GeneratorType):
        return (None, None) if thing.gi_running else (thing.gi_frame, thing.gi_yieldfrom)
    return None, None


def forked(job: Job, channel: int, output: int, go: int | None = None) -> NoReturn:
    """The body of a forked grading process: never returns into the grader's own code."""
    code = 70
    try:
        containment.enter(job.token)
        os.setpgid(0, 0)  # one group, so the grader can stop anything the app starts
        # The grader's own signal handlers are not this process's: it ends when told to.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _let_signals_through()  # held back while the grader forked (`processes.signals_held`)
        _redirect_output(output)
        events.open_channel(channel)
        code = run(job, channel, go)
    except BaseException:  # noqa: BLE001 - whatever happened, this process must end here
        code = 70
    finally:
        _exit(code)


def _exit(code: int) -> NoReturn:
    """End the process at once, once its output is out: threads the app started (a scheduler,
    a cleaner) must not keep it alive, and nothing may run after the results are sent."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    _EXIT_NOW(code)


def _let_signals_through() -> None:
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)


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
    parser.add_argument("token")
    parser.add_argument("--spec-timeout", type=float, default=10.0)
    parser.add_argument("--deselect", action="append", default=[])
    parser.add_argument("--file", action="append", default=[])
    parser.add_argument("--fail-fast", action="store_true")
    parser.add_argument("--hold", action="store_true")
    args = parser.parse_args(argv)
    containment.enter(args.token)
    _let_signals_through()  # a mask outlives exec: the grader's held them back as it started this
    go = os.dup(0) if args.hold else None  # the word to go comes on standard input
    channel = os.dup(1)
    _redirect_output(os.dup(2))
    events.open_channel(channel)
    job = Job(
        name=args.name,
        target=args.target,
        workspace=args.workspace,
        token=args.token,
        deselect=tuple(args.deselect),
        files=tuple(args.file),
        fail_fast=args.fail_fast,
        spec_timeout=args.spec_timeout,
        hold=args.hold,
    )
    return run(job, channel, go)


if __name__ == "__main__":
    _exit(main())
