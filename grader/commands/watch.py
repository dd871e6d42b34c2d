"""`watch [EXERCISE]`: grade an exercise again each time one of its files is saved.

Each grading runs in a fresh grading process, as `grade` does, so this process never imports the
learner's code. Saves are noticed by `grader.watcher`, a process of its own: no thread runs here
while the engine forks (see that module). When the exercise passes, `watch` says so and moves on
to the next exercise that has not passed yet.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.text import Text

from grader import ROOT
from grader.commands.grade import add_grading_options, engine_for
from grader.commands.listing import next_exercise
from grader.engine import Engine
from grader.launcher import shell
from grader.manifest import Exercise, Track, load_track
from grader.progress import Store, record_grading, shown, target_key
from grader.results import ExerciseResult, ExerciseStatus
from grader.scorecard import render
from grader.snapshots import read_files
from grader.target import require_folders, resolve_target

NAME = "watch"
HELP = "grade an exercise (default: the next one) again each time you save one of its files"

#: File systems whose changes do not raise file events here: polling it is.
NETWORK_FILE_SYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "drvfs", "vboxsf"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "exercise", nargs="?", metavar="EXERCISE", help="number or slug; default: the next one"
    )
    parser.add_argument(
        "--poll",
        action="store_true",
        help="look for saved files every 0.2 s instead of waiting for file events "
        "(automatic on WSL and network drives)",
    )
    add_grading_options(parser)


def run(args: argparse.Namespace, console: Console) -> int:
    track = load_track()
    target = resolve_target(args.target)
    if args.exercise:
        exercise: Exercise | None = track.select([args.exercise])[0]
        require_folders(target, track.select([args.exercise]), args.target or "exercises")
    else:
        exercise = _next(track, target, after=None)
    if exercise is None:
        console.print(f"Every exercise in {shown(target)} has passed. Well done!")
        return 0
    poll = "--poll" if args.poll else polling_reason(target)
    watcher = Watcher(target, poll is not None)
    engine = engine_for(args, target)
    try:
        return _loop(console, track, target, exercise, engine, watcher, poll)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup
        engine.stop()
        console.print("\nStopped watching.")
        return 0
    finally:
        watcher.close()


def _loop(
    console: Console,
    track: Track,
    target: Path,
    exercise: Exercise,
    engine: Engine,
    watcher: Watcher,
    poll: str | None,
) -> int:
    banner: Text | None = None
    how = f"polling ({poll})" if poll else "file events"
    while True:
        folder = target / exercise.name
        graded = read_files(folder)
        console.print(Text(f"grading {exercise.name} …", style="dim"))
        run = engine.grade([exercise])
        record_grading(run, target)
        result = run.exercises[0]
        console.clear()
        if banner is not None:
            console.print(banner)
            console.print()
            banner = None
        render(console, run, track, detail=True)
        if result.status is ExerciseStatus.PASSED:
            nxt = _next(track, target, after=exercise)
            if nxt is None:
                console.print(
                    Text(
                        f"\n{exercise.number:02d} {exercise.title} passes, and so does every "
                        f"exercise in {shown(target)}. Well done!",
                        style="bold green",
                    )
                )
                return 0
            banner = _passed(result, nxt)
            console.print(banner)
            exercise = nxt
            continue
        console.print(Text(f"\nWatching {shown(folder)} ({how}).", style="dim"))
        console.print(
            Text(
                f"Save a file to grade it again · stuck? "
                f"{shell('hint', f'{exercise.number:02d}')} · Ctrl-C to quit",
                style="dim",
            )
        )
        # Only a save that changed the exercise's files starts a grading (editors save often).
        while read_files(folder) == graded:
            watcher.wait_for(exercise.name)


def _passed(result: ExerciseResult, nxt: Exercise) -> Text:
    return Text.assemble(
        (f"✓ {result.number:02d} {result.title} passes!", "bold green"),
        f" On to {nxt.number:02d} {nxt.title}.",
    )


def _next(track: Track, target: Path, after: Exercise | None) -> Exercise | None:
    """The next exercise that never passed and has a folder in the target."""
    progress = Store().progress(target_key(target))
    present = Track(
        format_version=1,
        exercises=tuple(e for e in track.exercises if (target / e.name).is_dir()),
    )
    return next_exercise(present, progress, after=after)


def polling_reason(folder: Path) -> str | None:
    """Why file events will not arrive for `folder` (WSL, a network drive), or None."""
    try:
        version = Path("/proc/version").read_text(encoding="utf-8", errors="replace")
    except OSError:
        version = ""
    if "microsoft" in version.lower():
        return "WSL"
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    best, kind = "", ""
    resolved = folder.resolve().as_posix()
    for line in mounts:
        fields = line.split()
        if len(fields) >= 3 and (resolved + "/").startswith(fields[1].rstrip("/") + "/"):
            if len(fields[1]) > len(best):
                best, kind = fields[1], fields[2]
    if kind in NETWORK_FILE_SYSTEMS or kind.startswith("fuse.ssh"):
        return f"a {kind} drive"
    return None


class Watcher:
    """The `grader.watcher` process, and the bursts of saves it reports."""

    def __init__(self, folder: Path, poll: bool) -> None:
        command = [sys.executable, "-m", "grader.watcher", str(folder)]
        self.process = subprocess.Popen(
            command + (["--poll"] if poll else []),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            # Its own session: Ctrl-C is for `watch`, which then stops it.
            start_new_session=os.name == "posix",
        )
        assert self.process.stdout is not None
        self.fd = self.process.stdout.fileno()
        self.buffer = b""
        self.lines: queue.Queue[str | None] | None = None
        if os.name != "posix":
            # Pipes cannot be selected here, and there is no fork either: a thread may read.
            self.lines = queue.Queue()
            threading.Thread(target=self._pump, daemon=True).start()
        if self._line(timeout=30.0) != "ready":
            self.close()
            raise RuntimeError("the file watcher (python -m grader.watcher) did not start")

    def wait_for(self, exercise: str) -> None:
        """Wait for a burst of saves in `exercise`, then for the saves to settle."""
        while True:
            line = self._line(timeout=None)
            if line is None:
                raise RuntimeError("the file watcher (python -m grader.watcher) stopped")
            paths = json.loads(line)
            if any(path.split("/", 1)[0] == exercise for path in paths):
                break
        while self._line(timeout=0.0) is not None:
            pass  # bursts already waiting belong to the same save

    def _line(self, timeout: float | None) -> str | None:
        """The watcher's next line; None on timeout or when it ended."""
        if self.lines is not None:
            try:
                return self.lines.get(timeout=timeout)
            except queue.Empty:
                return None
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return None
            data = os.read(self.fd, 65536)
            if not data:
                return None
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def _pump(self) -> None:
        assert self.lines is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.decode().strip())
        self.lines.put(None)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
