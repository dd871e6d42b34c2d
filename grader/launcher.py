"""How the learner runs a kata command, so that every command the kata prints works as typed.

Right after the README's quick start (`python noxfile.py`) there may be no `nox` on PATH: then
the kata says `python noxfile.py -s hint -- 01`; where nox is installed and was used, it says
`nox -s hint -- 01`. The noxfile tells the grader which (`KATA_LAUNCHER`); run by hand, the
grader looks for `nox` on PATH. Standard library only: `grader.manifest` uses it too.
"""

from __future__ import annotations

import os
import shutil
import sys

#: Set by the noxfile: `nox`, or `python noxfile.py` with the Python the learner typed.
VARIABLE = "KATA_LAUNCHER"


def python_word() -> str:
    """The command that starts Python here, as a person types it."""
    if sys.platform == "win32":
        return "py" if shutil.which("py") else "python"
    typed = os.path.basename(getattr(sys, "orig_argv", [""])[0] or "")
    if typed in ("python", "python3") and shutil.which(typed):
        return typed
    return "python" if shutil.which("python") else "python3"


def launcher() -> str:
    """`nox` or `python noxfile.py`: what runs a kata session here."""
    chosen = os.environ.get(VARIABLE, "").strip()
    if chosen:
        return chosen
    return "nox" if shutil.which("nox") else f"{python_word()} noxfile.py"


def shell(session: str, *args: str) -> str:
    """The command line that runs `session` with `args`: `nox -s hint -- 01 --more`."""
    line = f"{launcher()} -s {session}"
    return f"{line} -- {' '.join(args)}" if args else line
