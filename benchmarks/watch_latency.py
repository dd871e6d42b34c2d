"""How long `watch` takes from a saved file to the redrawn scorecard, for exercise 01.

Runs `python -m grader watch 01` in a pseudo-terminal on a temporary copy of the stub, then saves
`main.py` again and again, switching between two versions that score differently (the stub, and
the reference solution with a broken ISBN pattern), and times each save until the terminal shows
the new result. Prints the median and the maximum, for each way of starting grading processes.

    python benchmarks/watch_latency.py [--rounds N] [--isolation fork spawn] [--poll]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from terminal import Terminal  # noqa: E402 - the tests' terminal, found on the line above

EXERCISE = "01_first_routes"
WATCHING = b"Save a file to grade it again"


def variants() -> list[tuple[bytes, re.Pattern[bytes]]]:
    """Two versions of main.py, and what the scorecard says for each."""
    stub = (ROOT / "exercises" / EXERCISE / "main.py").read_bytes()
    solution = (ROOT / "solutions" / EXERCISE / "main.py").read_bytes()
    broken = re.sub(rb'ISBN_PATTERN = r"[^"]*"', b'ISBN_PATTERN = r".*"', solution, count=1)
    assert broken != solution, "the solution no longer sets ISBN_PATTERN this way"
    return [
        (broken, re.compile(rb"([1-9]\d*)/\d+ specs.*" + re.escape(WATCHING), re.S)),
        (stub, re.compile(rb" 0/\d+ specs.*" + re.escape(WATCHING), re.S)),
    ]


GRADING_TIME = re.compile(r"exercises passed \S+ (\d+\.\d) s")


def measure(isolation: str, rounds: int, poll: bool) -> tuple[list[float], list[float]]:
    """Seconds from each save to the new scorecard, and the grading's own share of each."""
    work = Path(tempfile.mkdtemp(prefix="kata-watch-"))
    try:
        target = work / "exercises"
        shutil.copytree(ROOT / "exercises" / EXERCISE, target / EXERCISE)
        main = target / EXERCISE / "main.py"
        env = {**os.environ, "KATA_HOME": str(work / "kata"), "NO_COLOR": "1", "COLUMNS": "120"}
        command = [sys.executable, "-m", "grader", "watch", "01", "--target", str(target)]
        command += ["--isolation", isolation] + (["--poll"] if poll else [])
        terminal = Terminal(command, env=env, cwd=ROOT)
        try:
            if not terminal.read_until(re.compile(re.escape(WATCHING)), timeout=60):
                raise SystemExit(
                    f"watch did not start:\n{terminal.output.decode(errors='replace')}"
                )
            times, gradings = [], []
            for round_ in range(rounds):
                content, expected = variants()[round_ % 2]
                start = len(terminal.output)
                time.sleep(0.3)  # let the watcher settle, as between two real saves
                began = time.perf_counter()
                main.write_bytes(content)
                if not terminal.read_until(expected, timeout=30, start=start):
                    raise SystemExit(f"no new result:\n{terminal.output.decode(errors='replace')}")
                times.append(time.perf_counter() - began)
                graded = GRADING_TIME.search(terminal.screen(start))
                gradings.append(float(graded.group(1)) if graded else float("nan"))
            code = terminal.interrupt()
            if code not in (0, 130):
                raise SystemExit(f"watch ended with {code} on Ctrl-C")
        finally:
            terminal.close()
        return times, gradings
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="saves to time (default: 6)")
    parser.add_argument(
        "--isolation", nargs="+", default=["fork", "spawn"], choices=("fork", "spawn")
    )
    parser.add_argument("--poll", action="store_true", help="make watch poll for changes")
    args = parser.parse_args()
    if os.name != "posix":
        print("this benchmark drives a pseudo-terminal: POSIX only")
        return 2
    for isolation in args.isolation:
        times, gradings = measure(isolation, args.rounds, args.poll)
        shown = " ".join(f"{t:.2f}" for t in times)
        print(
            f"watch 01, {isolation}{' + polling' if args.poll else ''}: save to redrawn "
            f"scorecard median {statistics.median(times):.2f} s, max {max(times):.2f} s; "
            f"of which grading (the scorecard's own time) median "
            f"{statistics.median(gradings):.1f} s ({args.rounds} saves: {shown}; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
