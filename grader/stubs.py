"""Where `reset` finds an exercise's stub: the kata's own git history, not a second copy.

The stub is the exercise folder as the kata's authors last committed it. A commit by the kata's
authors that changes an exercise changes its specs or its solution too (they are written
together); a learner's commit changes `exercises/` only. So the stub comes from the newest commit
that touched the exercise folder *and* `solutions/NN_slug` or `grader/specs/NN_slug`, else from
the commit that added the folder. The learner's own commits, stashes and edits never count, so
`reset` works even after the learner committed their attempt. `--from REV` overrides the choice.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePosixPath


class StubError(Exception):
    """The stub cannot be found; the message says why and what to do, in one line."""


def stub_files(folder: Path, revision: str | None = None) -> dict[str, bytes]:
    """The stub of the exercise in `folder`: its files (relative POSIX paths) and their bytes."""
    git = shutil.which("git")
    if git is None:
        raise StubError(
            "reset takes the stub from the kata's git history, and git is not installed"
        )
    where = _existing(folder)
    top = _git(git, where, "rev-parse", "--show-toplevel")
    if top is None:
        raise StubError(
            f"{folder.name} is not in a git repository, so its stub cannot be found; "
            "reset needs a `git clone` of the kata, not a download of its files"
        )
    toplevel = Path(top.decode().strip()).resolve()
    try:
        relative = PurePosixPath(folder.resolve().relative_to(toplevel).as_posix())
    except ValueError:
        raise StubError(f"{folder} is outside the repository at {toplevel}") from None
    commit = revision or _stub_commit(git, toplevel, relative)
    listing = _git(git, toplevel, "ls-tree", "-r", "-z", "--name-only", commit, f"{relative}/")
    if listing is None:
        raise StubError(f"git has no revision {commit!r}; check the name given to --from")
    names = [name for name in listing.decode().split("\0") if name]
    if not names:
        raise StubError(f"{relative} does not exist in revision {commit[:12]}")
    files: dict[str, bytes] = {}
    for name in names:
        content = _git(git, toplevel, "cat-file", "blob", f"{commit}:{name}")
        if content is None:
            raise StubError(f"git cannot read {name} from revision {commit[:12]}")
        files[PurePosixPath(name).relative_to(relative).as_posix()] = content
    return files


def _stub_commit(git: str, toplevel: Path, relative: PurePosixPath) -> str:
    name = relative.name
    touched = _commits(git, toplevel, str(relative))
    if not touched:
        raise StubError(
            f"{relative} has no history in git (it was never committed), so its stub "
            "cannot be found; pass --from REV to name the revision to take it from"
        )
    authored = set(_commits(git, toplevel, f"solutions/{name}", f"grader/specs/{name}"))
    return next((commit for commit in touched if commit in authored), touched[-1])


def _commits(git: str, toplevel: Path, *paths: str) -> list[str]:
    """Commits reachable from HEAD that touched any of `paths`, newest first."""
    out = _git(git, toplevel, "log", "--format=%H", "HEAD", "--", *paths)
    return out.decode().split() if out else []


def _existing(folder: Path) -> Path:
    """The nearest folder that exists, from which to ask git (the exercise may be deleted)."""
    for candidate in (folder, *folder.parents):
        if candidate.is_dir():
            return candidate
    return Path.cwd()


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
