# /// script
# dependencies = ["nox>=2025.2.9", "uv>=0.5"]
# ///
"""FastAPI Kata's sessions: `nox -l` lists them, `nox -s grade -- 05` grades exercise 05.

Without nox installed, `python noxfile.py -s NAME -- ARGS` does the same: it installs nox and uv
into `.nox/_bootstrap` the first time.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

try:
    import nox
except ModuleNotFoundError:  # `python noxfile.py` on a machine that has nothing but Python
    if __name__ != "__main__":
        raise
    from grader.bootstrap import main as bootstrap

    sys.exit(bootstrap(__file__, sys.argv[1:]))

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["grade"]

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
#: What the exercises, their solutions and the grader need.
RUNTIME: list[str] = PYPROJECT["project"]["dependencies"]


def install(session: nox.Session, *groups: str) -> None:
    """Install the kata's dependencies (and `groups`) unless this environment already has them."""
    requirements = RUNTIME + list(nox.project.dependency_groups(PYPROJECT, *groups))
    stamp = Path(session.virtualenv.location) / ".kata-installed"
    digest = hashlib.sha256(json.dumps(requirements).encode()).hexdigest()
    if stamp.is_file() and stamp.read_text() == digest:
        return
    # Compiled bytecode makes the first grading as fast as the next ones.
    session.install(*requirements, env={"UV_COMPILE_BYTECODE": "1"})
    stamp.write_text(digest)


def grader(session: nox.Session, *args: str) -> None:
    session.run("python", "-m", "grader", *args, *session.posargs)


@nox.session
def grade(session: nox.Session) -> None:
    """Grade your exercises (all, or e.g. `-- 05`, `-- crud`) and print the scorecard."""
    install(session)
    grader(session, "grade")


@nox.session
def solutions(session: nox.Session) -> None:
    """Grade the reference solutions: every exercise should get full marks."""
    install(session)
    grader(session, "grade", "--target", "solutions")


@nox.session
def specs(session: nox.Session) -> None:
    """Run specs with plain pytest, e.g. `-- grader/specs/05_crud --target=solutions -k patch`."""
    install(session)
    args = session.posargs or ["grader/specs", "--target=solutions"]
    session.run("python", "-m", "pytest", "-c", "grader/specs/pytest.ini", *args)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the kata's own tests, then lint and type-check (what CI runs)."""
    install(session, "dev")
    session.run("python", "-m", "pytest", *session.posargs)
    check(session)


@nox.session
def lint(session: nox.Session) -> None:
    """Lint, check formatting and type-check (ruff, mypy --strict) without the tests."""
    install(session, "dev")
    check(session)


def check(session: nox.Session) -> None:
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "grader", "noxfile.py", "benchmarks", "tests", "--exclude", "grader/specs/")
    # Every exercise folder is a separate little program with its own `main` module, so
    # each is type-checked on its own.
    for folder in sorted([*ROOT.glob("solutions/*/"), *ROOT.glob("grader/specs/*/")]):
        if folder.is_dir() and folder.name[:2].isdigit():
            session.run("mypy", str(folder.relative_to(ROOT)), silent=True)


@nox.session
def serve(session: nox.Session) -> None:
    """Run an exercise's app by hand with auto-reload: `-- 05` (add `--target solutions`)."""
    install(session)
    args = list(session.posargs)
    target = "exercises"
    if "--target" in args:
        at = args.index("--target")
        target = args[at + 1]
        del args[at : at + 2]
    if not args:
        session.error("name the exercise: nox -s serve -- 05")
    wanted = args.pop(0).lower().replace("-", "_")
    folders = sorted(ROOT.glob(f"{target}/[0-9][0-9]_*/"))
    match = [f for f in folders if wanted in (f.name, f.name[3:]) or f.name[:2] == wanted.zfill(2)]
    if not match:
        session.error(f"no exercise {wanted!r} in {target}/ (nox -s list shows them)")
    session.chdir(match[0])
    session.run("uvicorn", "main:app", "--reload", *args)


@nox.session
def bench(session: nox.Session) -> None:
    """Measure grading speed: isolated grading against one plain pytest process."""
    install(session)
    session.run("python", "benchmarks/grade_speed.py", *session.posargs)


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation score of an exercise's specs against its solution, e.g. `-- 07` (cosmic-ray)."""
    install(session, "mutants")
    session.run("python", "-m", "grader.dev.mutants", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """Fuzz an exercise's solution under uvicorn for 5xx, e.g. `-- 07` (schemathesis)."""
    install(session, "fuzz")
    session.run("python", "-m", "grader.dev.fuzz", *session.posargs)


@nox.session(name="list")
def list_(session: nox.Session) -> None:
    """Show the track: each exercise's status and best score, the next one, your progress."""
    install(session)
    grader(session, "list")


@nox.session
def hint(session: nox.Session) -> None:
    """Get a hint for an exercise's first unfinished task, e.g. `-- 01`; again for a closer one."""
    install(session)
    grader(session, "hint")


@nox.session
def watch(session: nox.Session) -> None:
    """Grade an exercise (default: the next one) again on every save, e.g. `-- 01`."""
    install(session)
    grader(session, "watch")


@nox.session
def reset(session: nox.Session) -> None:
    """Put an exercise's stub back, e.g. `-- 01` (backed up first); `-- 01 --restore` undoes it."""
    install(session)
    grader(session, "reset")


@nox.session
def compare(session: nox.Session) -> None:
    """Show your files beside the reference solution's, e.g. `-- 01` (once it passes)."""
    install(session)
    grader(session, "compare")


if __name__ == "__main__":
    nox.main()
