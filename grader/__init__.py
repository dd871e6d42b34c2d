"""FastAPI Kata's grader: runs the hidden specs against a learner's apps and prints a scorecard.

Importing this package is cheap on purpose: `noxfile.py` imports `grader.bootstrap` on machines
that have nothing but Python.
"""

from pathlib import Path

#: The repository root: the folder holding `exercises/`, `solutions/` and `grader/`.
ROOT = Path(__file__).resolve().parent.parent
#: Where the hidden specs live, one folder per exercise, named like the exercise.
SPECS_DIR = Path(__file__).resolve().parent / "specs"
