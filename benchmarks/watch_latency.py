"""How long `watch` takes from a saved file to the redrawn scorecard, for exercise 01.

Runs `python -m grader watch 01` in a pseudo-terminal on a temporary copy of the stub, then saves
`main.py` again and again, switching between two versions that score differently, and times each
save until the terminal shows the new scorecard. Two attempts are timed:

- finished: the reference solution, and the same with a broken ISBN pattern;
- half done: handlers that raise (`NotImplementedError`) beside handlers that return wrong
  answers, and the same with one more handler done.

Saves come two seconds apart (`--pause`), the time it takes to change a line: watch uses that
time to start the next grading's processes, which matters most when they are spawned. Prints
the median and the maximum for each attempt and each way of starting grading processes.

    python benchmarks/watch_latency.py [--rounds N] [--pause S] [--isolation fork spawn] [--poll]
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
#: A scorecard on screen: its heading (with the grading's own time), then the keys.
SCORECARD = re.compile(rb"(\d+)/\d+ specs .*? (\d+\.\d) s\s.*q quit", re.S)
#: Handlers of the solution that a half-done attempt has not written yet.
UNWRITTEN = ("list_books_in_genre", "add_book", "read_current_user")


def _edit(text: str, pattern: str, new: str) -> str:
    edited, count = re.subn(pattern, new, text, count=1)
    assert count == 1, f"the solution no longer matches {pattern!r}"
    return edited


def attempts() -> dict[str, tuple[bytes, bytes]]:
    """Per attempt, two versions of main.py that score differently."""
    solution = (ROOT / "solutions" / EXERCISE / "main.py").read_text(encoding="utf-8")
    broken = _edit(solution, r'ISBN_PATTERN = r"[^"]*"', 'ISBN_PATTERN = r".*"')
    half = _edit(broken, r"return books\[:limit\]", "return books")  # ignores the limit
    for handler in UNWRITTEN:
        half = _edit(
            half,
            rf"(def {handler}\(.*?\) -> [^:]+:\n)",
            r'\1    raise NotImplementedError("TODO")\n',
        )
    one_more = _edit(
        half, r'(def read_current_user.*?:\n)    raise NotImplementedError\("TODO"\)\n', r"\1"
    )
    return {
        "finished": (solution.encode(), broken.encode()),
        "half done": (half.encode(), one_more.encode()),
    }


def measure(
    isolation: str, versions: tuple[bytes, bytes], rounds: int, pause: float, poll: bool
) -> tuple[list[float], list[float]]:
    """Seconds from each save to the new scorecard, and the grading's own share of each."""
    work = Path(tempfile.mkdtemp(prefix="kata-watch-"))
    try:
        target = work / "exercises"
        shutil.copytree(ROOT / "exercises" / EXERCISE, target / EXERCISE)
        main = target / EXERCISE / "main.py"
        main.write_bytes(versions[1])
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env |= {"KATA_HOME": str(work / "kata"), "NO_COLOR": "1"}
        command = [sys.executable, "-m", "grader", "watch", "01", "--target", str(target)]
        command += ["--isolation", isolation] + (["--poll"] if poll else [])
        terminal = Terminal(command, env=env, cwd=ROOT, size=(50, 160))
        try:
            if not terminal.read_until(SCORECARD, timeout=60):
                raise SystemExit(f"watch did not start:\n{terminal.screen()}")
            times, gradings, passed = [], [], set()
            for round_ in range(rounds):
                content = versions[round_ % 2]
                time.sleep(pause)  # between two saves, someone edits
                start = len(terminal.output)
                began = time.perf_counter()
                main.write_bytes(content)
                if not terminal.read_until(SCORECARD, timeout=30, start=start):
                    raise SystemExit(f"no new scorecard:\n{terminal.screen(start)}")
                times.append(time.perf_counter() - began)
                found = SCORECARD.search(terminal.screen(start).encode())
                assert found is not None
                passed.add((round_ % 2, found.group(1)))
                gradings.append(float(found.group(2)))
            if len(passed) != 2:
                raise SystemExit(f"the two versions should score differently: {sorted(passed)}")
            code = terminal.interrupt()
            if code not in (0, 130):
                raise SystemExit(f"watch ended with {code} on Ctrl-C")
        finally:
            terminal.close()
        return times, gradings
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="saves to time (default: 8)")
    parser.add_argument(
        "--pause", type=float, default=2.0, help="seconds between saves (default: 2)"
    )
    parser.add_argument(
        "--isolation", nargs="+", default=["fork", "spawn"], choices=("fork", "spawn")
    )
    parser.add_argument("--poll", action="store_true", help="make watch poll for changes")
    args = parser.parse_args()
    if os.name != "posix":
        print("this benchmark drives a pseudo-terminal: POSIX only")
        return 2
    for isolation in args.isolation:
        for attempt, versions in attempts().items():
            times, gradings = measure(isolation, versions, args.rounds, args.pause, args.poll)
            shown = " ".join(f"{t:.2f}" for t in times)
            print(
                f"watch 01, {attempt}, {isolation}{' + polling' if args.poll else ''}: "
                f"save to redrawn scorecard median {statistics.median(times):.2f} s, "
                f"max {max(times):.2f} s; grading itself median "
                f"{statistics.median(gradings):.1f} s ({args.rounds} saves: {shown}; "
                f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
