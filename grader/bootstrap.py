"""Getting nox onto a machine that has nothing but Python, so `python noxfile.py` always works.

Standard library only: this runs before anything is installed. It makes a virtual environment
under `.nox/`, installs nox and uv into it once, and runs the noxfile again with that Python: in
this very process where it can (POSIX), so that exit statuses and Ctrl-C go straight through.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

#: What the noxfile needs to run; keep in step with its `# /// script` block.
TOOLS = ("nox>=2025.2.9", "uv>=0.5")


def main(noxfile: str, args: list[str]) -> int:
    """Run `noxfile` with `args` under a Python that has nox, making one first if need be."""
    root = Path(noxfile).resolve().parent
    env_dir = root / ".nox" / "_bootstrap"
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not _has_nox(python):
        print(f"Installing nox and uv into {env_dir.relative_to(root)} (once)…", file=sys.stderr)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
                + list(TOOLS),
                check=True,
            )
        except (OSError, subprocess.CalledProcessError) as error:
            print(
                f"error: could not install nox ({error}). On Debian or Ubuntu install the "
                "python3-venv package; or install nox yourself (pipx install nox) and run "
                "`nox` instead of `python noxfile.py`.",
                file=sys.stderr,
            )
            return 2
    from grader.launcher import python_word

    command = [str(python), str(Path(noxfile).resolve()), *args]
    # The commands the kata prints start with the Python the learner typed, not this one.
    environment = {**os.environ, "KATA_PYTHON": os.environ.get("KATA_PYTHON") or python_word()}
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    if os.name == "posix":
        os.chdir(root)
        os.execve(command[0], command, environment)
    # No exec here (Windows): the console's Ctrl-C reaches the child itself; wait for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return subprocess.call(command, cwd=root, env=environment)


def _has_nox(python: Path) -> bool:
    if not python.exists():
        return False
    probe = subprocess.run([str(python), "-c", "import nox, uv"], capture_output=True, check=False)
    return probe.returncode == 0
