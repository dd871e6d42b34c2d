"""Grading processes and their pipes: start one, read from many at once, stop one for good.

Where the OS can fork, a grading process is a fork of the grader (imports already paid); where
it cannot (Windows), it is a fresh `python -m grader.worker`. Pipes are watched with `selectors`
where pipes can be selected (POSIX) and by one reader thread per pipe elsewhere.
"""

from __future__ import annotations

import os
import queue
import selectors
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from grader import containment
from grader.worker import STOPPING, Job

#: Bytes read from a pipe at a time.
CHUNK = 65536
#: The grader's ends of the pipes that tell held processes to go. A process forked later must
#: not keep one open: a held process sees the grader gone when its pipe closes.
_GO_ENDS: set[int] = set()
CAN_FORK = hasattr(os, "fork")
CAN_SELECT_PIPES = os.name == "posix"


@dataclass(eq=False)
class Process:
    """One grading process and the two pipes the grader reads: events and the app's output."""

    events: int
    output: int
    pid: int | None = None
    popen: subprocess.Popen[bytes] | None = None
    open_pipes: set[int] = field(default_factory=set)
    #: How it ended, once known (see `wait`).
    ending: str | None = None
    #: For a process started with `Job.hold`: the pipe that tells it to go.
    go: int | None = None

    def release(self) -> None:
        """Tell a held process to run its specs."""
        if self.go is not None:
            try:
                os.write(self.go, b"g")
            except OSError:
                pass  # it is gone: the grader sees its pipes close
            self._close_go()

    def close(self) -> None:
        """Close the grader's ends of the process's pipes, for a process never watched."""
        self._close_go()
        for fd in self.open_pipes:
            os.close(fd)
        self.open_pipes.clear()

    def _close_go(self) -> None:
        if self.go is not None:
            _GO_ENDS.discard(self.go)
            os.close(self.go)
            self.go = None

    def kill(self, keep: set[int] | frozenset[int] = frozenset()) -> None:
        """Stop the process and anything it started, at once (see `grader.containment`);
        `keep`: children of the grader that belong to something else."""
        if self.popen is not None and os.name != "posix":
            try:
                self.popen.kill()
            except OSError:
                pass
        elif self.pid is not None:
            # Once it has ended, what it started was left to the grader: end that still.
            containment.end(self.pid if self.ending is None else None, keep)

    def ask_for_stacks(self) -> bool:
        """Ask the process to write every thread's stack, then its waiting coroutines, to its
        events pipe (POSIX)."""
        if self.pid is None or not hasattr(signal, "SIGUSR2") or self.ending is not None:
            return False
        try:
            os.kill(self.pid, signal.SIGUSR1)
            os.kill(self.pid, signal.SIGUSR2)
        except OSError:
            return False
        return True

    def exited(self) -> bool:
        """Whether the process has ended (its pipes may still be held by what it started)."""
        if self.ending is not None:
            return True
        if self.popen is not None:
            code = self.popen.poll()
        else:
            assert self.pid is not None
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return False
            if pid == 0:
                return False
            code = os.waitstatus_to_exitcode(status)
        if code is None:
            return False
        self.ending = _describe(code)
        return True

    def wait(self) -> str:
        """Reap the process; describe how it ended (`exited with code 3`, `killed by SIGSEGV`)."""
        if self.ending is None:
            if self.popen is not None:
                code = self.popen.wait()
            else:
                assert self.pid is not None
                _, status = os.waitpid(self.pid, 0)
                code = os.waitstatus_to_exitcode(status)
            self.ending = _describe(code)
        return self.ending


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


def start(job: Job, *, fork: bool) -> Process:
    """Start a grading process for `job` (see `signals_held`)."""
    return _fork(job) if fork else _spawn(job)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold back the signals that stop the grader while a grading process starts and is put
    where the grader stops it from: one arriving in the middle of a fork would interrupt Python's
    fork handlers (`os.register_at_fork`), which print it and carry on, and Ctrl-C would be lost.
    A forked grading process lets them through again once it has handlers of its own."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _fork(job: Job) -> Process:
    from grader import worker

    events_r, events_w = os.pipe()
    output_r, output_w = os.pipe()
    go_r, go_w = os.pipe() if job.hold else (None, None)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # or the child would print the grader's buffered text again
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        os.close(events_r)
        os.close(output_r)
        for fd in _GO_ENDS | ({go_w} if go_w is not None else set()):
            os.close(fd)
        worker.forked(job, events_w, output_w, go_r)
    os.close(events_w)
    os.close(output_w)
    if go_r is not None and go_w is not None:
        os.close(go_r)
        _GO_ENDS.add(go_w)
    return Process(
        events=events_r, output=output_r, pid=pid, open_pipes={events_r, output_r}, go=go_w
    )


def _spawn(job: Job) -> Process:
    from grader import ROOT

    command = [sys.executable, "-m", "grader.worker", *job.to_args()]
    temporary = str(job.temporary)
    env = {
        **os.environ,
        "PYTHONIOENCODING": "utf-8",
        containment.MARK: job.token,
        **dict.fromkeys(("TMPDIR", "TEMP", "TMP"), temporary),
    }
    popen = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        # A held process waits for a byte on its standard input.
        stdin=subprocess.PIPE if job.hold else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=os.name == "posix",
    )
    assert popen.stdout is not None and popen.stderr is not None
    # Own duplicates of the pipes, so that closing them never races with Popen's file objects.
    events, output = os.dup(popen.stdout.fileno()), os.dup(popen.stderr.fileno())
    popen.stdout.close()
    popen.stderr.close()
    go = None
    if popen.stdin is not None:
        go = os.dup(popen.stdin.fileno())
        popen.stdin.close()
        _GO_ENDS.add(go)
    return Process(
        events=events,
        output=output,
        pid=popen.pid,
        popen=popen,
        open_pipes={events, output},
        go=go,
    )


class Pipes:
    """Waits on the pipes of many processes at once; yields what arrives, and end-of-file."""

    def __init__(self) -> None:
        self._owners: dict[int, Process] = {}
        self._selector = selectors.DefaultSelector() if CAN_SELECT_PIPES else None
        # Reader threads say whose pipe they read: a number of a closed pipe may come back.
        self._arrived: queue.Queue[tuple[Process, int, bytes]] = queue.Queue()

    def watch(self, process: Process) -> None:
        for fd in (process.events, process.output):
            if self._selector is not None:
                self._owners[fd] = process
                os.set_blocking(fd, False)
                self._selector.register(fd, selectors.EVENT_READ)
            else:
                threading.Thread(target=self._pump, args=(process, fd), daemon=True).start()

    def wait(self, timeout: float) -> list[tuple[Process, int, bytes]]:
        """What arrived within `timeout` seconds: (process, fd, data); empty data means EOF."""
        if self._selector is None:
            return self._wait_threads(timeout)
        arrived = []
        for key, _ in self._selector.select(max(timeout, 0)):
            fd = int(key.fd)
            try:
                data = os.read(fd, CHUNK)
            except BlockingIOError:
                continue
            arrived.append((self._owners[fd], fd, data))
            if not data:
                self._forget(fd)
        return arrived

    def drain(self, process: Process) -> list[tuple[int, bytes]]:
        """Whatever is left in a stopped process's pipes, then forget them."""
        left = []
        if self._selector is None:
            # Take what the reader threads already passed on; they close the pipes themselves.
            others = []
            while True:
                try:
                    owner, fd, data = self._arrived.get_nowait()
                except queue.Empty:
                    break
                if owner is process:
                    left.extend([(fd, data)] if data and fd in process.open_pipes else [])
                else:
                    others.append((owner, fd, data))
            for item in others:
                self._arrived.put(item)
            process.open_pipes.clear()
            return left
        for fd in list(process.open_pipes):
            while True:
                try:
                    data = os.read(fd, CHUNK)
                except OSError:
                    break
                if not data:
                    break
                left.append((fd, data))
            self._forget(fd)
        return left

    def _wait_threads(self, timeout: float) -> list[tuple[Process, int, bytes]]:
        arrived = []
        try:
            item = self._arrived.get(timeout=max(timeout, 0.001))
            while True:
                process, fd, data = item
                if fd in process.open_pipes:  # else: a pipe of a process already stopped
                    arrived.append(item)
                    if not data:
                        process.open_pipes.discard(fd)
                item = self._arrived.get_nowait()
        except queue.Empty:
            pass
        return arrived

    def _forget(self, fd: int) -> None:
        process = self._owners.pop(fd, None)
        if process is None:
            return
        process.open_pipes.discard(fd)
        assert self._selector is not None
        self._selector.unregister(fd)
        os.close(fd)

    def _pump(self, process: Process, fd: int) -> None:
        """A reader thread: pass on what the pipe gives until its end, then close it."""
        try:
            while True:
                try:
                    data = os.read(fd, CHUNK)
                except OSError:
                    data = b""
                self._arrived.put((process, fd, data))
                if not data:
                    return
        finally:
            os.close(fd)
