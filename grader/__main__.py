"""`python -m grader`: see `grader.cli`."""

import os
import sys

try:
    from grader.cli import main
except ModuleNotFoundError as missing:  # a Python without the kata's dependencies
    sys.stderr.write(
        f"error: the grader needs the kata's dependencies ({missing.name} is missing): run it "
        "as `python noxfile.py -s grade -- ARGS` (or `nox -s grade -- ARGS`), or with "
        "`.nox/kata/bin/python -m grader ARGS`\n"
    )
    sys.exit(2)

code = main()
# Ending here, once the output is out, spares tearing down the heavy imports one by one: that
# takes longer than a Ctrl-C should, and every file the grader writes is already closed.
for stream in (sys.stdout, sys.stderr):
    try:
        stream.flush()
    except (OSError, ValueError):
        pass
os._exit(code)
