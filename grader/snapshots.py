"""An exercise folder's files as one value, written back whole, and dated backups of them.

`reset` and `reset --restore` never write into an exercise folder before its files are safe in
`.kata/backups/NN_slug/<date>/` (unless a backup or the stub already holds exactly those files),
so no sequence of resets and restores loses an attempt. A backup is written under a temporary
name and renamed when complete: a backup folder is whole, or absent.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime
from pathlib import Path

from grader.storage import atomic_write

#: Files that are not the learner's work: caches, editors' leftovers, the apps' databases.
JUNK_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".git", ".venv"}
JUNK_FILES = re.compile(
    r"(\.py[cod]|\.sw.|~|\.DS_Store|\.db|\.sqlite3?|-journal|-wal|-shm|\.tmp)$|^\.#|^flycheck_"
)

Files = dict[str, bytes]


def is_junk(relative: str) -> bool:
    parts = relative.split("/")
    return any(part in JUNK_DIRS for part in parts[:-1]) or bool(JUNK_FILES.search(parts[-1]))


def read_files(folder: Path) -> Files:
    """Every file of `folder` but junk, by relative POSIX path; empty if there is no folder."""
    if not folder.is_dir():
        return {}
    files: Files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not is_junk(relative):
            files[relative] = path.read_bytes()
    return files


def replace_files(folder: Path, files: Files) -> None:
    """Make `folder` hold exactly `files` (junk aside); each file that differs is replaced
    whole, and a file that already holds its content is left alone."""
    folder.mkdir(parents=True, exist_ok=True)
    held = read_files(folder)
    for relative in held:
        if relative not in files:
            (folder / relative).unlink()
    for relative, content in files.items():
        if held.get(relative) != content:
            atomic_write(folder / relative, content)
    for path in sorted(folder.rglob("*"), reverse=True):  # deepest first
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


class Backups:
    """The backups of one exercise: `.kata/backups/NN_slug/YYYY-MM-DD_HHMMSS[_n]/`."""

    def __init__(self, home: Path, exercise: str) -> None:
        self.folder = home / "backups" / exercise

    def all(self) -> list[Path]:
        """Complete backups, oldest first."""
        if not self.folder.is_dir():
            return []
        return sorted(
            (path for path in self.folder.iterdir() if path.is_dir() and path.name[0].isdigit()),
            key=lambda path: path.name,
        )

    def find(self, files: Files) -> Path | None:
        """The newest backup holding exactly `files`, if any."""
        return next((b for b in reversed(self.all()) if read_files(b) == files), None)

    def save(self, files: Files) -> Path:
        """A new backup of `files`; its name sorts after every earlier one."""
        stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
        taken = {path.name for path in self.all()}
        name, count = stamp, 1
        while name in taken:
            count += 1
            name = f"{stamp}_{count:02d}"
        partial = self.folder / f".partial-{name}-{os.getpid()}"
        try:
            for relative, content in files.items():
                path = partial / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
            partial.mkdir(parents=True, exist_ok=True)
            final = self.folder / name
            os.replace(partial, final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return final

    def latest_other_than(self, files: Files) -> Path | None:
        """The newest backup whose files differ from `files`."""
        for backup in reversed(self.all()):
            if read_files(backup) != files:
                return backup
        return None
