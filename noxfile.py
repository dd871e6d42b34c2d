# /// script
# dependencies = ["nox>=2025.2.9", "uv>=0.5"]
# ///
"""FastAPI Kata's sessions: `nox -l` lists them, `nox -s grade -- 05` grades exercise 05.

Without nox installed, `python noxfile.py -s NAME -- ARGS` does the same: it installs nox and uv
into `.nox/_bootstrap` the first time.

The learner's commands (grade, list, watch, hint, compare, reset, serve) share one environment,
`.nox/kata`, and each becomes the grader's own process: its exit status is the command's own
(0 passed, 1 not yet, 2 bad input, 130 interrupted), never a "Session failed", and Ctrl-C
reaches it directly.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import signal
import subprocess
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
#: The one environment every learner command runs in.
KATA_ENV = ROOT / ".nox" / "kata"
KATA_PYTHON = KATA_ENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _launcher() -> str:
    """How the learner ran this file, for the commands the grader prints (`grader.launcher`):
    `python noxfile.py` (set below, before nox loads this file again) or `nox`."""
    return os.environ.get("KATA_LAUNCHER") or "nox"


LAUNCHER = _launcher()


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


def kata_python(session: nox.Session) -> str:
    """The Python of `.nox/kata`, made and filled with the kata's dependencies the first time."""
    stamp = KATA_ENV / ".kata-installed"
    digest = hashlib.sha256(json.dumps(RUNTIME).encode()).hexdigest()
    if KATA_PYTHON.exists() and stamp.is_file() and stamp.read_text() == digest:
        return str(KATA_PYTHON)
    uv = _uv()
    if uv is not None:
        if not KATA_PYTHON.exists():
            session.run(uv, "venv", "--quiet", "--python", sys.executable, str(KATA_ENV))
        # Compiled bytecode makes the first grading as fast as the next ones.
        session.run(
            uv, "pip", "install", "--quiet", "--python", str(KATA_PYTHON), *RUNTIME,
            env={"UV_COMPILE_BYTECODE": "1"},
        )  # fmt: skip
    else:
        if not KATA_PYTHON.exists():
            session.run(sys.executable, "-m", "venv", str(KATA_ENV))
        session.run(str(KATA_PYTHON), "-m", "pip", "install", "--quiet", *RUNTIME)
    stamp.write_text(digest)
    return str(KATA_PYTHON)


def _uv() -> str | None:
    try:
        found: str = importlib.import_module("uv").find_uv_bin()
        return found
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def learner(session: nox.Session, *args: str) -> None:
    """Become `python -m grader ARGS POSARGS` in the learner's environment.

    The grader replaces this process (where it can): its exit status and its handling of
    Ctrl-C, SIGTERM and a closed terminal are the command's, with nothing in between.
    """
    command = [kata_python(session), "-m", "grader", *args, *session.posargs]
    environment = {**os.environ, "KATA_LAUNCHER": LAUNCHER}
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    if os.name == "posix":
        os.execve(command[0], command, environment)
    # No exec here (Windows): the console's Ctrl-C reaches the grader itself; wait for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code = subprocess.call(command, env=environment)
    os._exit(code)


@nox.session(venv_backend="none")
def grade(session: nox.Session) -> None:
    """Grade your exercises (all, or e.g. `-- 05`, `-- crud`) and print the scorecard."""
    learner(session, "grade")


@nox.session(venv_backend="none")
def solutions(session: nox.Session) -> None:
    """Grade the reference solutions: every exercise should get full marks."""
    learner(session, "grade", "--target", "solutions")


@nox.session(venv_backend="none")
def specs(session: nox.Session) -> None:
    """Run specs with plain pytest, e.g. `-- grader/specs/05_crud --target=solutions -k patch`."""
    args = session.posargs or ["grader/specs", "--target=solutions"]
    session.run(kata_python(session), "-m", "pytest", "-c", "grader/specs/pytest.ini", *args)


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


@nox.session(venv_backend="none")
def serve(session: nox.Session) -> None:
    """Run an exercise's app by hand with auto-reload: `-- 05` (add `--target solutions`)."""
    learner(session, "serve")


@nox.session(venv_backend="none")
def bench(session: nox.Session) -> None:
    """Measure grading speed: isolated grading against one plain pytest process, and a
    half-done attempt against the finished solution."""
    session.run(kata_python(session), "benchmarks/grade_speed.py", *session.posargs)


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


@nox.session(name="list", venv_backend="none")
def list_(session: nox.Session) -> None:
    """Show the track: each exercise's status and best score, the next one, your progress."""
    learner(session, "list")


@nox.session(venv_backend="none")
def hint(session: nox.Session) -> None:
    """Get a hint for an exercise's first unfinished task, e.g. `-- 01`; again for a closer one."""
    learner(session, "hint")


@nox.session(venv_backend="none")
def watch(session: nox.Session) -> None:
    """Grade an exercise (default: the next one) again on every save, e.g. `-- 01`."""
    learner(session, "watch")


@nox.session(venv_backend="none")
def reset(session: nox.Session) -> None:
    """Put an exercise's stub back, e.g. `-- 01` (backed up first); `-- 01 --restore` undoes it."""
    learner(session, "reset")


@nox.session(venv_backend="none")
def compare(session: nox.Session) -> None:
    """Show your files beside the reference solution's, e.g. `-- 01` (once it passes)."""
    learner(session, "compare")


if __name__ == "__main__":
    from grader.launcher import python_word  # the repository is on sys.path: this file's folder

    typed = os.environ.get("KATA_PYTHON") or python_word()
    os.environ["KATA_LAUNCHER"] = f"{typed} noxfile.py"
    nox.main()
