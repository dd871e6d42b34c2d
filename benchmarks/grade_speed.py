"""How much grading in isolation costs over running the same specs in one plain pytest process,
and how much a half-done attempt costs over the finished solution.

    python benchmarks/grade_speed.py [--target solutions] [--repeat 3] [--only half-done] [EX ...]

It times, best of `--repeat` runs each, (a) `python -m pytest` over the specs with no isolation
and (b) `python -m grader grade` over the same exercises, with its default jobs and with one job
(isolation's own cost, without the gain of a second core), and prints their ratios; the target
is at most 1.25. It also times `python -m grader grade 01`, the single-exercise case a
learner runs most.

Then, exercise by exercise, it grades a half-done copy of the solution against the solution
itself: in the copy, every other route handler raises `NotImplementedError` and the others
answer a wrong body, as a learner's work in progress does. The target is at most 1.5 times the
solution's time. Wall-clock times on a busy machine vary: compare figures from one run.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import containment  # noqa: E402 - found through the line above

#: The decorators that make a function a route handler: `@app.get(...)`, `@router.post(...)`.
ROUTES = {"get", "post", "put", "patch", "delete"}
#: What the half-done handlers do instead of their work, in turn.
UNDONE = (
    "raise NotImplementedError\n",
    "return __import__('fastapi').responses.JSONResponse({'todo': True})\n",
)


def timed(
    command: list[str], repeat: int, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Best and median wall time of `command` over `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def half_done(solution: Path, copy: Path) -> int:
    """Copy `solution` to `copy` with every route handler undone (see `UNDONE`); how many."""
    shutil.copytree(solution, copy, ignore=shutil.ignore_patterns("__pycache__"))
    undone = 0
    for path in sorted(copy.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        inserts = []
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                isinstance(d, ast.Call)
                and isinstance(d.func, ast.Attribute)
                and d.func.attr in ROUTES
                for d in node.decorator_list
            ):
                first = node.body[0]
                inserts.append((first.lineno - 1, " " * first.col_offset + UNDONE[undone % 2]))
                undone += 1
        for line, statement in sorted(inserts, reverse=True):
            lines.insert(line, statement)
        path.write_text("".join(lines), encoding="utf-8")
    return undone


def half_done_rows(names: list[str], repeat: int) -> None:
    """Grade each exercise half done and finished; print both and their ratio."""
    work = Path(tempfile.mkdtemp(prefix="kata-bench-"))
    try:
        for name in names:
            half_done(ROOT / "solutions" / name, work / name)
        grade = [sys.executable, "-m", "grader", "grade", "-q"]
        timed([*grade, names[0][:2], "--target", str(work)], 1)  # warm the caches
        print(
            f"{'exercise':<20} {'half done':>10} {'finished':>10} {'ratio':>6}  (best of {repeat})"
        )
        for name in names:
            # Taken in turns, so that a busier moment of the machine weighs on both alike.
            halves, dones = [], []
            for _ in range(repeat):
                halves.append(timed([*grade, name[:2], "--target", str(work)], 1)[0])
                dones.append(timed([*grade, name[:2], "--target", str(ROOT / "solutions")], 1)[0])
            half, done = min(halves), min(dones)
            print(
                f"{name:<20} {half:>8.2f} s {done:>8.2f} s {half / done:>6.2f}"
                "  (target: at most 1.5)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", help="folder names, e.g. 05_crud; default: all")
    parser.add_argument("--target", default="solutions")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("isolation", "half-done"), help="one part only")
    args = parser.parse_args()
    specs = ROOT / "grader" / "specs"
    names = args.exercises or sorted(p.name for p in specs.iterdir() if p.name[:2].isdigit())
    if args.only != "half-done":
        isolation_rows(names, args)
    if args.only != "isolation":
        half_done_rows(names, args.repeat)
    return 0


def isolation_rows(names: list[str], args: argparse.Namespace) -> None:
    """Plain pytest against the grader, over the whole track; and grading 01 alone."""
    specs = ROOT / "grader" / "specs"
    plain = [
        sys.executable, "-m", "pytest", "-c", str(specs / "pytest.ini"), "-q",
        "-p", "no:cacheprovider", f"--target={args.target}",
        *(str(specs / name) for name in names),
    ]  # fmt: skip
    isolated = [sys.executable, "-m", "grader", "grade", "-q", "--target", args.target]
    isolated += [name[:2] for name in names] if args.exercises else []
    single = [sys.executable, "-m", "grader", "grade", "01", "--target", args.target]
    timed(isolated, 1)  # warm the bytecode caches
    # Plain pytest keeps its temporary files where the grader keeps its gradings (in memory on
    # Linux), so that the two differ by isolation alone.
    scratch = Path(tempfile.mkdtemp(prefix="kata-bench-", dir=containment.workspaces_root()))
    try:
        plain_times = timed(plain, args.repeat, env={**os.environ, "TMPDIR": str(scratch)})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = [
        ("plain pytest, one process", plain_times),
        ("grader, isolated", timed(isolated, args.repeat)),
        ("grader, isolated, --jobs 1", timed([*isolated, "--jobs", "1"], args.repeat)),
        ("grader, exercise 01 only", timed(single, args.repeat)),
    ]
    for label, (best, median) in rows:
        print(f"{label:<28} best {best:6.2f} s   median {median:6.2f} s")
    for row in (1, 2):
        ratio = rows[row][1][0] / rows[0][1][0]
        print(f"{rows[row][0]} / plain (best): {ratio:.2f}  (target: at most 1.25)")


if __name__ == "__main__":
    sys.exit(main())
