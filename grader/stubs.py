"""Where `reset` finds an exercise's stub: the record the kata's authors keep, `grader/stubs.lock`.

A learner's commits and the authors' can touch the same files (an exercise's README changes
alone in both), so the history cannot tell which version of a file is the stub. The record can:
it lists each stub file with its git blob id, and only the authors write it
(`python -m grader.stubs`, which `python noxfile.py -s tests` checks). A blob id names the exact
content, so git hands it back whatever the learner committed, stashed or edited since
(`git cat-file`), in a shallow clone too.

A copy of the kata without git (a downloaded archive) has no blobs to ask for. There the grader
keeps the stub files it sees untouched (`keep_pristine`, run by `grade` and `watch`) in
`.kata/stubs/`, named by blob id, and `reset` takes them from there; failing that, it says in
one line how to get them.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from grader import ROOT
from grader.snapshots import Files, read_files
from grader.storage import atomic_write

#: The record, relative to the kata's root.
RECORD = PurePosixPath("grader/stubs.lock")
#: Per exercise folder name: its stub files' relative paths and git blob ids.
Record = dict[str, dict[str, str]]

_HEADER = """\
# The exercises' stubs as the kata's authors last committed them: `reset` puts these files back.
# One line per file: its git blob id, then its path under exercises/. Written by
# `python -m grader.stubs` after a stub changes; the kata's tests fail while it is out of date.
"""


class StubError(Exception):
    """The stub cannot be found; the message says why and what to do, in one line."""


def blob_id(content: bytes) -> str:
    """The id git gives a file with this content (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def same(ours: bytes, theirs: bytes) -> bool:
    """Whether two versions of a file are the same text, whatever their line endings (git may
    check files out with CRLF on Windows)."""
    return ours == theirs or ours.replace(b"\r\n", b"\n") == theirs.replace(b"\r\n", b"\n")


# --- the record ------------------------------------------------------------------------------
def kata_root(near: Path) -> Path:
    """The copy of the kata that `near` (an exercise folder, a target) belongs to: the nearest
    folder above it that holds the record; else this grader's own."""
    for folder in (near, *near.parents):
        if (folder / RECORD).is_file():
            return folder
    return ROOT


def make_record(exercises: Path) -> Record:
    """The record of the stubs in `exercises` (a folder laid out like exercises/)."""
    return {
        folder.name: {name: blob_id(content) for name, content in read_files(folder).items()}
        for folder in sorted(exercises.iterdir())
        if folder.is_dir() and folder.name[:2].isdigit()
    }


def read_record(kata: Path) -> Record:
    try:
        text = (kata / RECORD).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StubError(f"{RECORD} is missing from {kata}, so no stub can be found") from None
    record: Record = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            blob, _, path = line.partition(" ")
            exercise, _, name = path.partition("/")
            record.setdefault(exercise, {})[name] = blob
    return record


def write_record(kata: Path, record: Record) -> None:
    lines = [
        f"{blob} {exercise}/{name}\n"
        for exercise, files in sorted(record.items())
        for name, blob in sorted(files.items())
    ]
    atomic_write(kata / RECORD, (_HEADER + "".join(lines)).encode("utf-8"))


# --- the stub's files ------------------------------------------------------------------------
def stub_files(exercise: str, near: Path) -> Files:
    """The stub of `exercise` (`05_crud`) in the kata that `near` belongs to."""
    kata = kata_root(near)
    wanted = read_record(kata).get(exercise)
    if not wanted:
        raise StubError(f"{exercise} has no stub in {RECORD}; is it an exercise of this kata?")
    found = _from_git(kata, set(wanted.values())) | _from_cache(set(wanted.values()))
    missing = sorted(name for name, blob in wanted.items() if blob not in found)
    if missing:
        if (kata / ".git").exists() and shutil.which("git"):
            raise StubError(
                f"git has no copy of {exercise}/{missing[0]} as {RECORD} names it; "
                "fetch the kata again (git fetch, then git pull)"
            )
        raise StubError(
            f"the stub of {exercise} comes from git, and this copy of the kata is not a git "
            f"clone: clone the kata with git and copy exercises/{exercise} from the clone"
        )
    return {name: found[blob] for name, blob in wanted.items()}


def stub_at(folder: Path, revision: str) -> Files:
    """The exercise folder as it was in git revision `revision` (`reset --from REV`)."""
    git = shutil.which("git")
    if git is None:
        raise StubError("--from takes the stub from git, and git is not installed")
    where = next((f for f in (folder, *folder.parents) if f.is_dir()), Path.cwd())
    top = _git(git, where, "rev-parse", "--show-toplevel")
    if top is None:
        raise StubError(f"{folder.name} is not in a git repository, so --from cannot be used")
    toplevel = Path(top.decode().strip()).resolve()
    try:
        relative = PurePosixPath(folder.resolve().relative_to(toplevel).as_posix())
    except ValueError:
        raise StubError(f"{folder} is outside the repository at {toplevel}") from None
    listing = _git(git, toplevel, "ls-tree", "-r", "-z", "--name-only", revision, f"{relative}/")
    if listing is None:
        raise StubError(f"git has no revision {revision!r}; check the name given to --from")
    names = [name for name in listing.decode().split("\0") if name]
    if not names:
        raise StubError(f"{relative} does not exist in revision {revision}")
    files: Files = {}
    for name in names:
        content = _git(git, toplevel, "cat-file", "blob", f"{revision}:{name}")
        if content is None:
            raise StubError(f"git cannot read {name} from revision {revision}")
        files[PurePosixPath(name).relative_to(relative).as_posix()] = content
    return files


def _from_git(kata: Path, blobs: set[str]) -> dict[str, bytes]:
    """The contents git has of `blobs`, by id."""
    git = shutil.which("git")
    if git is None or not (kata / ".git").exists() or not blobs:
        return {}
    done = subprocess.run(
        [git, "cat-file", "--batch"],
        cwd=kata,
        input="".join(f"{blob}\n" for blob in sorted(blobs)).encode(),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        return {}
    found: dict[str, bytes] = {}
    out, at = done.stdout, 0
    while at < len(out):
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            found[header[0].decode()] = out[at : at + size]
            at += size + 1  # the content, then a newline
    return {blob: content for blob, content in found.items() if blob_id(content) == blob}


# --- without git: the stub files seen untouched -------------------------------------------------
def _cache() -> Path:
    from grader.progress import kata_home

    return kata_home() / "stubs"


def _from_cache(blobs: set[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for blob in blobs:
        try:
            content = (_cache() / blob).read_bytes()
        except OSError:
            continue
        if blob_id(content) == blob:
            found[blob] = content
    return found


def keep_pristine(target: Path) -> None:
    """In a copy of the kata without git, keep every stub file of `target` still untouched, so
    that `reset` can put it back later. Cheap when there is nothing new to keep."""
    kata = kata_root(target)
    if (kata / ".git").exists() and shutil.which("git"):
        return  # git keeps them
    try:
        record = read_record(kata)
    except StubError:
        return
    cache = _cache()
    for exercise, files in record.items():
        for name, blob in files.items():
            if (cache / blob).is_file():
                continue
            try:
                content = (target / exercise / name).read_bytes()
            except OSError:
                continue
            unix = content.replace(b"\r\n", b"\n")
            for candidate in (content, unix):
                if blob_id(candidate) == blob:
                    try:
                        atomic_write(cache / blob, candidate)
                    except OSError:
                        return  # an unwritable .kata/: grading goes on, reset will say so
                    break


def _git(git: str, cwd: Path, *args: str) -> bytes | None:
    """git's output, or None when git fails (not a repository, unknown revision…)."""
    done = subprocess.run(
        [git, "-c", "core.quotepath=off", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m grader.stubs [--check]`: write the record of exercises/'s stubs, or check it."""
    parser = argparse.ArgumentParser(prog="python -m grader.stubs", description=main.__doc__)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the record is out of date; write nothing"
    )
    args = parser.parse_args(argv)
    fresh = make_record(ROOT / "exercises")
    try:
        recorded = read_record(ROOT)
    except StubError:
        recorded = {}
    if fresh == recorded:
        print(f"{RECORD} is up to date.")
        return 0
    if args.check:
        print(f"{RECORD} is out of date: run `python -m grader.stubs` after changing a stub.")
        return 1
    write_record(ROOT, fresh)
    print(f"{RECORD} now records the stubs of {len(fresh)} exercises.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
