"""Everything a grading process starts stays inside the grading, and goes when it ends.

A learner's app may start processes that leave the grading process's group (a new session, a
double fork), hold its pipes, or hold memory of their own. On Linux each grading process is a
*subreaper* (`PR_SET_CHILD_SUBREAPER`): whatever its descendants leave behind is re-parented to it,
not to init, so its descendants are always a tree under it that the grader can walk, measure and
end. The grader is a subreaper too, for what a grading process that died leaves behind.

Each grading is marked, so that a grader killed outright (SIGKILL) leaves nothing the next one
cannot find: its temporary folder is `kata-grading-TOKEN` and holds an `owner` file (the grader's
process id and start time); the grading process is named `kata-TOKEN` (a name its forks inherit)
and carries `KATA_GRADING=TOKEN` in its environment (which the programs it runs inherit). The next
grader ends the processes marked with the token of a folder whose owner is gone, then removes it.

Elsewhere a grading process is stopped with its process group (macOS), or alone (Windows).
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

LINUX = sys.platform.startswith("linux")
#: The environment variable the programs a grading runs carry: the grading's token.
MARK = "KATA_GRADING"
#: How a grading's temporary folder is named; `OWNER` inside it names the grader.
PREFIX, OWNER = "kata-grading-", "owner"
#: A grading process's name (at most 15 characters): `kata-` and its token.
NAME_PREFIX = "kata-"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if LINUX else 4096
_PR_SET_PDEATHSIG, _PR_SET_NAME, _PR_SET_CHILD_SUBREAPER = 1, 15, 36
#: Rounds of stop-and-kill before giving up on a tree that keeps forking.
_ROUNDS = 20


def _prctl(option: int, value: int | bytes) -> bool:
    if not LINUX:
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (OSError, AttributeError, ctypes.ArgumentError):
        return False


def become_subreaper() -> bool:
    """Adopt this process's orphaned descendants (Linux); False where it cannot."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def enter(token: str) -> None:
    """Make this process a grading process of grading `token` (called first thing in it).

    It adopts its descendants' orphans, dies with the grader, and is marked with `token`.
    """
    parent = os.getppid()
    os.environ[MARK] = token
    if not LINUX:
        return
    become_subreaper()
    _prctl(_PR_SET_NAME, (NAME_PREFIX + token).encode()[:15])
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the grader died before the request took effect
        os._exit(1)


# --- the process table --------------------------------------------------------------------------
class Table:
    """A snapshot of this machine's live processes: parent, start time and resident pages."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.started: dict[int, int] = {}
        self.pages: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.children: dict[int, list[int]] = {}
        #: Processes that ended and were not reaped yet. One still shows children: a process
        #: whose threads are still ending (its first one is a zombie already) hands its
        #: children to its parent only once the last thread is gone.
        self.zombies: set[int] = set()
        if not LINUX:
            return
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            command, stat = _stat(pid)
            if stat is None:
                continue
            self.parent[pid] = int(stat[1])
            self.children.setdefault(int(stat[1]), []).append(pid)
            if stat[0] == "Z":  # holds nothing and runs nothing
                self.zombies.add(pid)
                continue
            self.names[pid] = command
            self.started[pid] = int(stat[19])
            self.pages[pid] = int(stat[21])

    def tree(self, root: int) -> list[int]:
        """The live processes among `root` and all its descendants, parents before children
        (descendants of a zombie included)."""
        if root not in self.parent:
            return []
        found, index = [root], 0
        while index < len(found):
            found.extend(self.children.get(found[index], ()))
            index += 1
        return [pid for pid in found if pid not in self.zombies]

    def grading(self, root: int | None, keep: Iterable[int] = ()) -> list[int]:
        """The processes of a grading: the tree under its grading process, and what grading
        processes that died left to this one (every child of this process it did not start
        itself, `keep` being those it did and must leave alone)."""
        pids = self.tree(root) if root is not None else []
        seen = set(pids) | set(keep)
        for child in self.children.get(os.getpid(), ()):
            if child not in seen:
                pids.extend(pid for pid in self.tree(child) if pid not in seen)
                seen.update(pids)
        return pids

    def marked(self, tokens: set[str]) -> list[int]:
        """Processes of the gradings `tokens`, by their name or their environment."""
        return [
            pid
            for pid, name in self.names.items()
            if name[len(NAME_PREFIX) :] in tokens or mark_of(pid) in tokens
        ]

    def resident_mb(self, pids: Iterable[int]) -> float:
        return sum(self.pages.get(pid, 0) for pid in pids) * PAGE_SIZE / (1024 * 1024)


def _stat(pid: int) -> tuple[str, list[str] | None]:
    """A process's name and the fields of `/proc/PID/stat` after it (state first)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            data = file.read()
    except OSError:
        return "", None
    close = data.rfind(b")")
    name = data[data.find(b"(") + 1 : close].decode("utf-8", "replace")
    return name, data[close + 2 :].decode("ascii", "replace").split()


def mark_of(pid: int) -> str | None:
    """The grading a process belongs to (its `KATA_GRADING`), if it has one and may be read."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as file:
            environ = file.read()
    except OSError:
        return None
    prefix = MARK.encode() + b"="
    for entry in environ.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix) :].decode("utf-8", "replace")
    return None


def start_time(pid: int) -> int | None:
    """When a process started (clock ticks since boot), to tell it from a later one with its id."""
    stat = _stat(pid)[1] if LINUX else None
    return int(stat[19]) if stat else None


# --- ending a grading ---------------------------------------------------------------------------
def end(root: int | None, keep: Iterable[int] = ()) -> None:
    """Stop a grading process and every process of its grading; reap what is left to this one.

    Each round freezes the whole tree first (SIGSTOP: nothing in it can fork or exit meanwhile),
    then kills it; a process forked between the look and the freeze is found by the next round.
    `keep`: children of this process that are not the grading's (see `Table.grading`).
    """
    if root is not None:
        _signal_group(root)
    if not LINUX:
        return
    keep = set(keep)
    _end_all(lambda table: table.grading(root, keep), spare=root)


def _end_all(find: Callable[[Table], list[int]], spare: int | None = None) -> None:
    """Freeze, then kill, the processes `find` picks, round after round until none is left;
    reap those left to this process, but `spare` (its owner reaps it)."""
    for _ in range(_ROUNDS):
        pids = find(Table())
        if not pids:
            break
        for pid in pids:
            _signal(pid, signal.SIGSTOP)
        for pid in pids:
            _signal(pid, signal.SIGKILL)
        time.sleep(0.001)
        _reap(pid for pid in pids if pid != spare)


def _signal_group(root: int) -> None:
    try:
        os.killpg(root, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pids: Iterable[int]) -> None:
    """Collect the exit status of those of `pids` that were left to this process."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


# --- temporary folders --------------------------------------------------------------------------
#: A folder held in memory (tmpfs) on most Linux systems. Apps commit to SQLite at almost every
#: request, and each commit waits for the disk (an fsync: milliseconds, tens of them on a busy
#: disk) but not for memory; an exercise's specs commit hundreds of times.
MEMORY_FOLDER = Path("/dev/shm")
#: The room the memory folder must have to be used: what `--memory` lets a grading hold by
#: default, so that an app never runs out of room there before it would be stopped anyway.
MEMORY_FOLDER_ROOM_MB = 4096


def workspaces_root() -> Path:
    """Where grading folders go: the temporary folder when `TMPDIR` says which, else the memory
    folder when it has room, else the system's temporary folder."""
    if not os.environ.get("TMPDIR") and LINUX:
        try:
            free = shutil.disk_usage(MEMORY_FOLDER).free
        except OSError:
            free = 0
        # A small one (Docker gives 64 MB) would turn a big upload or database into a failure.
        if free >= MEMORY_FOLDER_ROOM_MB * 1024 * 1024 and os.access(
            MEMORY_FOLDER, os.W_OK | os.X_OK
        ):
            return MEMORY_FOLDER
    return Path(tempfile.gettempdir())


def stored_mb(workspace: Path) -> float:
    """The memory that the files in `workspace` take, if it is in the memory folder (they count
    towards `--memory` like the memory of the processes); 0 elsewhere."""
    if workspace.parent != MEMORY_FOLDER:
        return 0.0
    total = 0
    pending = [str(workspace)]
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            pending.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_blocks * 512
                    except OSError:
                        continue
        except OSError:
            continue
    return total / (1024 * 1024)


def new_workspace() -> tuple[Path, str]:
    """A fresh temporary folder for one grading process, marked with the grader that owns it,
    and the grading's token."""
    root = workspaces_root()
    while True:
        token = secrets.token_hex(5)
        folder = root / (PREFIX + token)
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        (folder / OWNER).write_text(f"{os.getpid()} {start_time(os.getpid()) or 0}\n")
        return folder, token


def remove_workspace(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def clean_leftovers(where: Path | None = None) -> list[Path]:
    """End and remove what graders that are gone left behind (killed with SIGKILL, say); by
    default, in the temporary folder and in the memory folder."""
    roots = [where] if where else list(dict.fromkeys([Path(tempfile.gettempdir()), MEMORY_FOLDER]))
    candidates = []
    for root in roots:
        try:
            candidates += [path for path in root.iterdir() if path.name.startswith(PREFIX)]
        except OSError:
            continue
    stale = [path for path in candidates if path.is_dir() and not _owner_alive(path)]
    if stale and LINUX:
        tokens = {path.name[len(PREFIX) :] for path in stale}
        _end_all(lambda table: table.marked(tokens))
    for path in stale:
        remove_workspace(path)
    return stale


def _owner_alive(folder: Path) -> bool:
    try:
        pid_text, started_text = (folder / OWNER).read_text().split()
        pid, started = int(pid_text), int(started_text)
    except (OSError, ValueError):
        # No owner file: a grader is writing it this very moment, or died just before.
        try:
            return time.time() - folder.stat().st_mtime < 60
        except OSError:
            return False
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not LINUX or start_time(pid) == started


def _windows_process_alive(pid: int) -> bool:
    """Whether process `pid` runs, asked without touching it (`os.kill` would end it here)."""
    try:
        kernel32 = getattr(ctypes, "WinDLL")("kernel32")  # noqa: B009 - Windows only
    except (AttributeError, OSError):
        return True
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return bool(code.value == 259)  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
