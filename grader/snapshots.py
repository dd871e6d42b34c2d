"""An exercise folder's files as one value, written back whole, and dated backups of them.

`reset` and `reset --restore` never write into an exercise folder before its files are safe in
`.kata/backups/NN_slug/<date>/` (unless a backup or the stub already holds exactly those files),
so no sequence of resets and restores loses an attempt. A backup is written under a temporary
name and renamed when complete: a backup folder is whole, or absent.

A symbolic link is kept as a link (`Link`: where it points), never followed: what it points at
is not the learner's file, and may be outside the folder, or the folder itself.
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


class Link(bytes):
    """A symbolic link among a folder's files: where it points (`os.readlink`), as bytes.

    A link never equals a file, even one whose content is the same text.
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Link) and bytes(self) == bytes(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = bytes.__hash__

    def __repr__(self) -> str:
        return f"Link({bytes(self)!r})"


Files = dict[str, bytes]


def is_junk(relative: str) -> bool:
    parts = relative.split("/")
    return any(part in JUNK_DIRS for part in parts[:-1]) or bool(JUNK_FILES.search(parts[-1]))


def walk(folder: Path) -> list[tuple[str, Path]]:
    """Every file and link under `folder` (relative POSIX path, path), junk aside, sorted; links
    to folders are listed, never entered."""
    found = []
    for here, directories, names in os.walk(folder, followlinks=False):
        base = Path(here)
        for name in list(directories):
            path = base / name
            relative = path.relative_to(folder).as_posix()
            if name in JUNK_DIRS:
                directories.remove(name)
            elif path.is_symlink():
                found.append((relative, path))
        for name in names:
            path = base / name
            relative = path.relative_to(folder).as_posix()
            if not is_junk(relative):
                found.append((relative, path))
    return sorted(found)


def read_files(folder: Path) -> Files:
    """Every file of `folder` but junk, by relative POSIX path; empty if there is no folder.
    A link is read as a `Link`, never followed."""
    if not folder.is_dir() or folder.is_symlink():
        return {}
    files: Files = {}
    for relative, path in walk(folder):
        if path.is_symlink():
            files[relative] = Link(os.fsencode(os.readlink(path)))
        elif path.is_file():
            try:
                files[relative] = path.read_bytes()
            except FileNotFoundError:  # removed while being read: it is not there
                continue
    return files


def write_file(folder: Path, relative: str, content: bytes) -> None:
    """Make `folder/relative` hold `content` (a link for a `Link`), replacing whatever it was,
    and never writing through a link inside `folder` on the way."""
    path = folder / relative
    parent = folder
    for part in Path(relative).parts[:-1]:
        parent = parent / part
        if parent.is_symlink():
            parent.unlink()
    if isinstance(content, Link):
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        os.symlink(os.fsdecode(bytes(content)), path)
    else:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        atomic_write(path, content)


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
            write_file(folder, relative, content)
    for here, _, _ in os.walk(folder, topdown=False, followlinks=False):  # deepest first
        path = Path(here)
        if path != folder and not any(path.iterdir()):
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
                if isinstance(content, Link):
                    os.symlink(os.fsdecode(bytes(content)), path)
                else:
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
