"""`watch [EXERCISE]`: one screen that grades an exercise again each time one of its files is saved.

The screen (`grader.screen`) fits the terminal and answers to keys, as rustlings' watch mode
does: n next, h hint, c compare, r re-run, l list, q quit. When the exercise passes, watch says
so and waits: `c` shows the reference solution, `n` moves on; saving still grades it again, so
an exercise that passed can be refactored or taken further.

Each grading runs in fresh grading processes, as `grade` does, so this process never imports
the learner's code. Saves are noticed by `grader.watcher`, a process of its own: no thread runs
here while the engine forks (see that module). A save during a grading cancels it and starts a
new one, and a grading whose files changed under it is never shown: every scorecard on screen
is the grading of the files as they are.
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
from grader.commands import compare
from grader.commands.grade import add_grading_options, engine_for
from grader.commands.listing import next_exercise
from grader.engine import Cancelled, Engine
from grader.keys import ENTER, ESCAPE, Keys
from grader.launcher import shell
from grader.manifest import Exercise, SelectionError, Track, load_track
from grader.progress import Store, record_grading, shown, target_key
from grader.results import ExerciseStatus
from grader.screen import View, draw
from grader.snapshots import Files, read_files
from grader.stubs import keep_pristine
from grader.target import require_folders, resolve_target

NAME = "watch"
HELP = "grade an exercise (default: the next one) again each time you save one of its files"

#: File systems whose changes do not raise file events here: polling it is.
NETWORK_FILE_SYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "drvfs", "vboxsf"}
#: How often an idle watch looks at the terminal's size, to redraw when it changed.
RESIZE_EVERY = 0.5
#: Keys that end a grading under way: its result would be thrown away.
CANCELLING_KEYS = frozenset("qrl")
BACKSPACE = frozenset("\x7f\x08")


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
    keep_pristine(target)  # without git, the stubs are kept while they are untouched
    if args.exercise:
        exercise: Exercise | None = track.select([args.exercise])[0]
        require_folders(target, track.select([args.exercise]), args.target or "exercises")
    else:
        exercise = _next(track, target, after=None)
    if exercise is None:
        first = next(e for e in track.exercises if (target / e.name).is_dir())
        console.print(
            f"Every exercise in {shown(target)} has passed. Well done! To watch one again "
            f'(to refactor it, or for its "Going further"): {shell("watch", f"{first.number:02d}")}'
        )
        return 0
    poll = "--poll" if args.poll else polling_reason(target)
    watcher = Watcher(target, poll is not None)
    engine = engine_for(args, target)
    engine.tidy_later = True  # after the scorecard is drawn: `prepare` tidies
    how = f"polling, {poll}" if poll else "file events"
    try:
        with Keys() as keys:
            return _Watch(console, track, target, engine, watcher, keys, exercise, how).loop()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup
        engine.stop()
        console.print("\nStopped watching.")
        return 0
    finally:
        engine.discard()
        watcher.close()


class _Watch:
    """One watch session: the view on screen, and what saves and keys do to it."""

    def __init__(
        self,
        console: Console,
        track: Track,
        target: Path,
        engine: Engine,
        watcher: Watcher,
        keys: Keys,
        exercise: Exercise,
        how: str,
    ) -> None:
        self.console = console
        self.track = track
        self.target = target
        self.engine = engine
        self.watcher = watcher
        self.keys = keys
        self.store = Store()
        self.view = View(track=track, exercise=exercise, folder="", how=how, keys=keys.live)
        #: The files the result on screen graded; None until a grading is shown.
        self.graded: Files | None = None
        #: Whether the files must be graded (again) before anything else.
        self.stale = True
        #: Keys pressed during a grading, handled once it is over.
        self.pressed = ""
        #: Showing the reference solution (`c`) instead of the scorecard.
        self.comparing = False
        self.quit = False
        self._switch(exercise)

    @property
    def exercise(self) -> Exercise:
        return self.view.exercise

    @property
    def folder(self) -> Path:
        return self.target / self.exercise.name

    def loop(self) -> int:
        self.view.progress = self.store.progress(target_key(self.target))
        while not self.quit:
            # Gradings wait while the list or the reference solution is on screen.
            if self.stale and self.view.choosing is None and not self.comparing:
                if self._grade():
                    self._idle()  # the result is on screen already
                continue
            self._draw()
            self._idle()
        self.engine.stop()
        self.console.print("Stopped watching.")
        return 0

    # --- grading ------------------------------------------------------------------------------
    def _grade(self) -> bool:
        """Grade the exercise's files as they are now; show the result unless it is stale, and
        say whether it was shown."""
        self.stale = False
        graded = read_files(self.folder)
        self.view.result, self.view.grading, self.view.note = None, True, None
        self._draw()
        self.engine.cancel_if = lambda: self._interrupted(graded)
        try:
            run = self.engine.grade([self.exercise])
        except Cancelled:
            self.stale = True  # it will be graded, once the keys that stopped it are handled
            self._handle_keys()
            return False
        finally:
            self.engine.cancel_if = None
        if read_files(self.folder) != graded:
            self.stale = True  # saved while grading, and not reported yet: never show a mix
            return False
        self.graded = graded
        self.view.result, self.view.grading = run.exercises[0], False
        self.view.next = _next(self.track, self.target, after=self.exercise)
        self._draw()  # first: the learner is waiting for this, not for the record
        record_grading(run, self.target)
        self.view.progress = self.store.progress(target_key(self.target))
        # The next save finds its grading processes started, their specs loaded.
        self.engine.prepare([self.exercise])
        return True

    def _interrupted(self, graded: Files) -> bool:
        """Whether the grading under way is worth nothing now: a save, or a key that ends it."""
        if self.watcher.saved(self.exercise.name) and read_files(self.folder) != graded:
            self.stale = True
            return True
        self.pressed += self.keys.read()
        return bool(CANCELLING_KEYS.intersection(self.pressed))

    # --- waiting ------------------------------------------------------------------------------
    def _idle(self) -> None:
        """Wait for a save or a key, or for the terminal to change size, and act on it."""
        size = self.console.size
        while not self.quit:
            self.pressed += self.keys.read()
            if self.pressed:
                self._handle_keys()
                return
            if self.watcher.saved(self.exercise.name) and read_files(self.folder) != self.graded:
                self.stale = True
                return
            if self.console.size != size:
                return
            self._wait(RESIZE_EVERY)

    def _wait(self, timeout: float) -> None:
        if self.watcher.pending():
            return
        if os.name == "posix":
            fds = [fd for fd in (self.watcher.fd, self.keys.selectable) if fd is not None]
            select.select(fds, [], [], timeout)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.watcher.pending():
            if self.keys.waiting():
                return
            time.sleep(0.05)

    # --- keys ---------------------------------------------------------------------------------
    def _handle_keys(self) -> None:
        pressed, self.pressed = self.pressed, ""
        for key in pressed:
            if self.quit:
                return
            self._key(key)

    def _key(self, key: str) -> None:
        view = self.view
        if key == "q":
            self.quit = True
        elif view.choosing is not None:
            self._choose(key)
        elif self.comparing:
            self.comparing = False  # any other key goes back to the scorecard
        elif key == "n":
            view.note = None
            self._go_next()
        elif key == "h":
            view.note = None
            self._hint()
        elif key == "c":
            view.note = None
            self._compare()
        elif key == "r":
            view.note = None
            self.stale = True
        elif key == "l":
            view.note, view.choosing = None, ""

    def _go_next(self) -> None:
        result, number = self.view.result, f"{self.exercise.number:02d}"
        if result is None or result.status is not ExerciseStatus.PASSED:
            self.view.note = (
                f"{number} {self.exercise.title} has not passed yet: n moves on once it does "
                "(l lists every exercise, to pick another one)."
            )
        elif self.view.next is None:
            self.view.note = "Every other exercise has passed too: l lists them all."
        else:
            self._switch(self.view.next)

    def _hint(self) -> None:
        result = self.view.result
        if result is None:
            self.view.note = "A hint once this grading is over: press h again in a moment."
            return
        failing = result.first_failure()
        task = self.exercise.task(failing.task) if failing is not None else None
        if failing is None or task is None:
            self.view.note = (
                f"{self.exercise.number:02d} passes: no hint needed. "
                "c compares your files with the reference solution."
            )
            return
        shown_task, count = self.view.hints
        count = count if shown_task == task.number else 0
        if count >= len(task.hints):
            self.view.note = (
                f"That is every hint for task {task.number}. Once the exercise passes, "
                "c shows the reference solution."
            )
        self.view.hints = (task.number, min(count + 1, len(task.hints)))

    def _compare(self) -> None:
        known = self.store.progress(target_key(self.target)).get(self.exercise.name)
        result = self.view.result
        passed = result is not None and result.status is ExerciseStatus.PASSED
        if not passed and (known is None or not known.done):
            self.view.note = (
                "The reference solution is the reward for passing: keep going (h gives a "
                f"hint), or see it now with "
                f"{shell('compare', f'{self.exercise.number:02d}', '--force')}."
            )
            return
        self.comparing = True

    def _choose(self, key: str) -> None:
        view = self.view
        typed = view.choosing or ""
        view.note = None
        if key in (ESCAPE, "l") or (key == ENTER and not typed):
            view.choosing = None
        elif key in BACKSPACE:
            view.choosing = typed[:-1]
        elif key == ENTER:
            try:
                chosen = self.track.select([typed])[0]
            except SelectionError as error:
                view.note, view.choosing = str(error), ""
                return
            if not (self.target / chosen.name).is_dir():
                view.note = f"{chosen.name} is not in {shown(self.target)}."
                view.choosing = ""
                return
            view.choosing = None
            self._switch(chosen)
        elif key.isdigit():
            view.choosing = (typed + key)[:2]

    def _switch(self, exercise: Exercise) -> None:
        """Watch `exercise` from now on, starting with a grading."""
        self.view.exercise = exercise
        self.view.folder = shown(self.target / exercise.name)
        self.view.result, self.view.hints, self.view.next = None, (0, 0), None
        self.graded = None
        self.stale = True

    # --- drawing ------------------------------------------------------------------------------
    def _draw(self) -> None:
        if not self.comparing:
            draw(self.console, self.view)
            return
        self.console.clear()
        args = argparse.Namespace(
            exercise=self.exercise.name,
            force=True,  # `_compare` checked that it passed
            view="auto",
            target=str(self.target),
            solutions=ROOT / "solutions",
        )
        compare.run(args, self.console)
        self.console.print(
            Text("\nAny key goes back to the scorecard (q quits).", style="bold cyan")
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
        #: The pipe to wait on with `select` (POSIX); None where pipes cannot be selected.
        self.fd: int | None = self.process.stdout.fileno() if os.name == "posix" else None
        self.buffer = b""
        self.ended = False
        self.lines: queue.Queue[str | None] | None = None
        if os.name != "posix":
            # Pipes cannot be selected here, and there is no fork either: a thread may read.
            self.lines = queue.Queue()
            threading.Thread(target=self._pump, daemon=True).start()
        if self._line(timeout=30.0) != "ready":
            self.close()
            raise RuntimeError("the file watcher (python -m grader.watcher) did not start")

    def saved(self, exercise: str) -> bool:
        """Whether a save in `exercise` was reported since the last call; never waits."""
        found = False
        while (line := self._line(timeout=0.0)) is not None:
            paths = json.loads(line)
            found = found or any(path.split("/", 1)[0] == exercise for path in paths)
        if self.ended:
            raise RuntimeError("the file watcher (python -m grader.watcher) stopped")
        return found

    def pending(self) -> bool:
        """Whether a report is waiting to be read by `saved`."""
        if self.lines is not None:
            return not self.lines.empty()
        return b"\n" in self.buffer

    def _line(self, timeout: float | None) -> str | None:
        """The watcher's next line; None on timeout or when it ended (then `ended` is set)."""
        if self.lines is not None:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                return None
            self.ended = self.ended or line is None
            return line
        assert self.fd is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return None
            data = os.read(self.fd, 65536)
            if not data:
                self.ended = True
                return None
            self.buffer += data
        raw, self.buffer = self.buffer.split(b"\n", 1)
        return raw.decode()

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
