"""How much grading in isolation costs over running the same specs in one plain pytest process.

    python benchmarks/grade_speed.py [--target solutions] [--repeat 3] [EXERCISE ...]

It times, best of `--repeat` runs each, (a) `python -m pytest` over the specs with no isolation
and (b) `python -m grader grade` over the same exercises, with its default jobs and with one job
(isolation's own cost, without the gain of a second core), and prints their ratios; the target
is at most 1.25. It also times `python -m grader grade 01`, the single-exercise case a
learner runs most. Wall-clock times on a busy machine vary: compare figures from one run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], repeat: int) -> tuple[float, float]:
    """Best and median wall time of `command` over `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", help="folder names, e.g. 05_crud; default: all")
    parser.add_argument("--target", default="solutions")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    specs = ROOT / "grader" / "specs"
    names = args.exercises or sorted(p.name for p in specs.iterdir() if p.name[:2].isdigit())
    plain = [
        sys.executable, "-m", "pytest", "-c", str(specs / "pytest.ini"), "-q",
        "-p", "no:cacheprovider", f"--target={args.target}",
        *(str(specs / name) for name in names),
    ]  # fmt: skip
    isolated = [sys.executable, "-m", "grader", "grade", "-q", "--target", args.target]
    isolated += [name[:2] for name in names] if args.exercises else []
    single = [sys.executable, "-m", "grader", "grade", "01", "--target", args.target]
    timed(isolated, 1)  # warm the bytecode caches
    rows = [
        ("plain pytest, one process", timed(plain, args.repeat)),
        ("grader, isolated", timed(isolated, args.repeat)),
        ("grader, isolated, --jobs 1", timed([*isolated, "--jobs", "1"], args.repeat)),
        ("grader, exercise 01 only", timed(single, args.repeat)),
    ]
    for label, (best, median) in rows:
        print(f"{label:<28} best {best:6.2f} s   median {median:6.2f} s")
    for row in (1, 2):
        ratio = rows[row][1][0] / rows[0][1][0]
        print(f"{rows[row][0]} / plain (best): {ratio:.2f}  (target: at most 1.25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
