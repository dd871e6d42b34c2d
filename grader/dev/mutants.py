"""`python noxfile.py -s mutants -- NN`: the mutation score of an exercise's specs, by cosmic-ray.

cosmic-ray makes each mutant (one small change to the solution: `<` for `<=`, `n + 1` for `n`, a
decorator dropped, ...) and the exercise's specs, run by the kata's own grader with `--fail-fast`,
are the test suite: a mutant is killed when some spec fails, survives when every spec passes.

`solutions/` is never written to: the solution is copied into a temporary workspace, one copy per
worker, and each worker mutates and grades its own copy. Mutants are made only where a learner
writes code, the lines the solution does not share with the stub in `exercises/`; given code
(seed data, settings, "Don't change this") is not the learner's to get wrong (`--all-lines`
mutates it too). Two kinds of mutant are left out, as noise: those of `|`, which in the kata's
code only ever joins types (`str | None`; breaking an annotation fails at import, a kill that
says nothing about the specs), and binary-operator mutants of a `*` or `**` that is not
arithmetic (the keyword-only marker, argument unpacking), which are syntax errors or equivalent.

Survivors that are equivalent or outside the contract are listed, with the reason, in
`grader/specs/NN_slug/MUTANTS.md` (see `grader.dev.survivors`). Exit status: 0 when at least
90% of the mutants are killed and every survivor is explained, 1 otherwise, 2 for bad input.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import Enum
from importlib.metadata import version
from pathlib import Path
from queue import Queue
from typing import Any

from grader import ROOT
from grader.dev.selection import Chosen, Parser, UsageError, choose, fail, parse
from grader.dev.survivors import FILE_NAME, Change, read_explanations, sort_survivors
from grader.launcher import shell

#: The share of mutants an exercise's specs must kill (README: Adding an exercise).
TARGET = 90.0
#: Operators left out, as regular expressions over cosmic-ray's names (see the module's doc).
NOISE = {r"ReplaceBinaryOperator_BitOr_": "`|` only joins types here"}
#: The parso nodes of arithmetic and bitwise expressions: cosmic-ray also takes the `*` that
#: marks keyword-only parameters and the `**` that unpacks arguments for binary operators, and
#: its mutants of those are syntax errors or equivalent, never a learner's mistake.
ARITHMETIC = {"arith_expr", "term", "power", "shift_expr", "and_expr", "xor_expr", "expr"}
#: Characters printed as each mutant's outcome is known, like pytest's dots.
MARKS = {"killed": ".", "timeout": "T", "survived": "S", "error": "E"}


class Outcome(str, Enum):
    KILLED = "killed"
    TIMEOUT = "timeout"
    SURVIVED = "survived"
    ERROR = "error"


@dataclass(frozen=True)
class Mutant:
    """One mutant cosmic-ray made: where, by which operator, and which occurrence of it."""

    job_id: str
    file: str
    line: int
    operator: str
    spec: Any
    #: The function or class the mutant is in, as `Class.method`; empty at module level.
    scope: str = ""


@dataclass(frozen=True)
class Result:
    mutant: Mutant
    outcome: Outcome
    change: Change
    #: What killed it (the first spec that did not pass), or what went wrong.
    detail: str


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=f"{shell('mutants')} --",
        description="Mutation score of an exercise's specs against its solution (cosmic-ray).",
    )
    parser.add_argument("exercise", metavar="EXERCISE", help="number (05) or slug (crud)")
    parser.add_argument(
        "--target", metavar="DIR", help="folder laid out like solutions/ (default: solutions)"
    )
    parser.add_argument(
        "--jobs", type=_positive, default=min(2, os.cpu_count() or 1), metavar="N",
        help="mutants graded at once, each in its own copy (default: 2, or 1 on one core)",
    )  # fmt: skip
    parser.add_argument(
        "--file", action="append", default=[], metavar="NAME",
        help="mutate only this file of the exercise (repeatable), e.g. --file limiter.py",
    )  # fmt: skip
    parser.add_argument(
        "--operator", action="append", default=[], metavar="REGEX",
        help="only operators whose cosmic-ray name matches (repeatable), e.g. Comparison",
    )  # fmt: skip
    parser.add_argument(
        "--lines", metavar="FROM-TO", type=_line_range,
        help="only mutants starting on these lines (with --file), e.g. 40-60",
    )  # fmt: skip
    parser.add_argument(
        "--all-lines", action="store_true",
        help="mutate the code the solution shares with the stub too",
    )  # fmt: skip
    parser.add_argument(
        "--explained", metavar="FILE", type=Path,
        help=f"the explained survivors (default: {FILE_NAME} beside the exercise's specs)",
    )  # fmt: skip
    parser.add_argument(
        "-v", "--verbose", action="store_true",
        help="also list each killed mutant and the first spec that failed on it",
    )  # fmt: skip
    parser.add_argument(
        "--spec-timeout", type=float, default=5.0, metavar="SECONDS",
        help="time limit per spec while grading a mutant (default: 5)",
    )  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(build_parser(), argv)
    try:
        chosen = choose(args.exercise, args.target)
        files = _files(chosen.folder, args.file)
        operators = [re.compile(pattern) for pattern in args.operator]
    except UsageError as error:
        fail(str(error))
    except re.error as error:
        fail(f"--operator is not a regular expression: {error}")
    if args.explained and not args.explained.is_file():
        fail(f"--explained {args.explained}: no such file")
    try:
        import cosmic_ray  # noqa: F401
    except ModuleNotFoundError:
        fail(f"cosmic-ray is not installed: run this through `{shell('mutants', 'NN')}`")
    try:
        return _run(chosen, files, operators, args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def _run(
    chosen: Chosen, files: list[str], operators: list[re.Pattern[str]], args: argparse.Namespace
) -> int:
    from cosmic_ray.commands import init
    from cosmic_ray.work_db import use_db

    started = time.monotonic()
    name = chosen.exercise.name
    with _workspace(chosen, args.jobs) as (source, workers, session):
        with use_db(str(session)) as work_db:
            init([source / file for file in files], work_db, {})
            mutants = _scoped(
                [_mutant(item, source) for item in work_db.pending_work_items], source
            )
        skipped = Counter[str]()
        given = {} if args.all_lines else _given_lines(chosen, files)
        kinds = operator_nodes(source, mutants)
        chosen_mutants = []
        for mutant in sorted(mutants, key=lambda m: (m.file, m.line, m.operator)):
            reason = skip_reason(mutant, kinds, given, operators, args.lines)
            if reason:
                skipped[reason] += 1
            else:
                chosen_mutants.append(mutant)
        print(
            f"{name}: {len(chosen_mutants)} mutants by cosmic-ray {version('cosmic-ray')} "
            f"in {', '.join(files)}, graded by {args.jobs} worker(s)"
            + (f" (left out: {_counts(skipped)})" if skipped else "")
        )
        timeout = _baseline(chosen, workers[0], args.spec_timeout)
        results = _mutate_and_grade(chosen, chosen_mutants, workers, timeout, args.spec_timeout)
    explained = args.explained or chosen.specs / FILE_NAME
    return _report(chosen, results, explained, time.monotonic() - started, args.verbose)


@contextmanager
def _workspace(chosen: Chosen, jobs: int) -> Iterator[tuple[Path, list[Path], Path]]:
    """A temporary copy of the solution to make mutants from, one per worker, and a session."""
    root = Path(tempfile.mkdtemp(prefix="kata-mutants-"))
    try:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.db", "storage")
        source = root / "source" / chosen.exercise.name
        shutil.copytree(chosen.folder, source, ignore=ignore)
        workers = []
        for number in range(jobs):
            worker = root / f"worker{number}"
            shutil.copytree(source, worker / chosen.exercise.name)
            workers.append(worker)
        # Gradings of mutants are not the author's progress through the track.
        os.environ["KATA_HOME"] = str(root / "kata")
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        )
        os.environ["NO_COLOR"] = "1"
        yield source, workers, root / "session.sqlite"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _files(folder: Path, wanted: list[str]) -> list[str]:
    files = sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*.py")
        if "__pycache__" not in path.parts
    )
    if not files:
        raise UsageError(f"{folder.name} holds no Python files")
    if not wanted:
        return files
    unknown = [name for name in wanted if name not in files]
    if unknown:
        raise UsageError(
            f"no file {', '.join(unknown)} in {folder.name} (it has {', '.join(files)})"
        )
    return [file for file in files if file in wanted]


def _mutant(item: Any, source: Path) -> Mutant:
    [spec] = item.mutations
    return Mutant(
        job_id=item.job_id,
        file=Path(spec.module_path).relative_to(source).as_posix(),
        line=spec.start_pos[0],
        operator=spec.operator_name.split("/", 1)[-1],
        spec=spec,
    )


def _scoped(mutants: list[Mutant], source: Path) -> list[Mutant]:
    trees = {
        file: ast.parse((source / file).read_text(encoding="utf-8"))
        for file in {mutant.file for mutant in mutants}
    }
    return [replace(mutant, scope=scope_of(trees[mutant.file], mutant.line)) for mutant in mutants]


def scope_of(tree: ast.AST, line: int) -> str:
    """The dotted name of the innermost function or class holding `line`, decorators included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if first <= line <= (node.end_lineno or node.lineno):
                inner = scope_of(node, line)
                return f"{node.name}.{inner}" if inner else node.name
        elif hasattr(node, "body"):
            inner = scope_of(node, line)
            if inner:
                return inner
    return ""


def _given_lines(chosen: Chosen, files: list[str]) -> dict[str, set[int]]:
    """Per file, the lines (from 1) that the solution shares with the stub in `exercises/`."""
    stub_folder = ROOT / "exercises" / chosen.exercise.name
    given: dict[str, set[int]] = {}
    for file in files:
        stub = stub_folder / file
        if not stub.is_file():
            continue
        old = stub.read_text(encoding="utf-8").splitlines()
        new = (chosen.folder / file).read_text(encoding="utf-8").splitlines()
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        given[file] = {
            line + 1
            for tag, _, _, start, end in matcher.get_opcodes()
            if tag == "equal"
            for line in range(start, end)
        }
    return given


def operator_nodes(source: Path, mutants: list[Mutant]) -> dict[str, str]:
    """For each binary-operator mutant, the kind of parso node its operator belongs to."""
    import parso

    # parso (cosmic-ray's parser) has no type hints; its trees are used as `Any`.
    parse: Callable[[str], Any] = parso.parse
    trees: dict[str, Any] = {}
    kinds = {}
    for mutant in mutants:
        if mutant.operator.startswith("ReplaceBinaryOperator_"):
            if mutant.file not in trees:
                trees[mutant.file] = parse((source / mutant.file).read_text("utf-8"))
            leaf = trees[mutant.file].get_leaf_for_position(tuple(mutant.spec.start_pos))
            kinds[mutant.job_id] = leaf.parent.type if leaf is not None else ""
    return kinds


def skip_reason(
    mutant: Mutant,
    kinds: dict[str, str],
    given: dict[str, set[int]],
    operators: list[re.Pattern[str]],
    lines: tuple[int, int] | None,
) -> str | None:
    for pattern, why in NOISE.items():
        if re.match(pattern, mutant.operator):
            return why
    if kinds.get(mutant.job_id, "expr") not in ARITHMETIC:
        return "`*` or `**` that is not arithmetic"
    if mutant.line in given.get(mutant.file, ()):
        return "code given in the stub"
    if operators and not any(p.search(mutant.operator) for p in operators):
        return "other operators"
    if lines and not lines[0] <= mutant.line <= lines[1]:
        return "other lines"
    return None


def _command(chosen: Chosen, worker: Path, spec_timeout: float) -> str:
    return shlex.join(
        [sys.executable, "-m", "grader", "grade", str(chosen.exercise.number),
         "--target", str(worker), "--fail-fast", "-q", "--jobs", "1",
         "--spec-timeout", str(spec_timeout), "--json", str(worker / "graded.json")]
    )  # fmt: skip


def _baseline(chosen: Chosen, worker: Path, spec_timeout: float) -> float:
    """Grade the unmutated copy; its time sets each mutant's time limit."""
    from cosmic_ray.testing import run_tests
    from cosmic_ray.work_item import TestOutcome

    started = time.monotonic()
    outcome, output = run_tests(_command(chosen, worker, spec_timeout), 600)
    took = time.monotonic() - started
    if outcome != TestOutcome.SURVIVED:
        print(output.strip()[-3000:], file=sys.stderr)
        fail(
            f"{chosen.exercise.name} does not pass its own specs unmutated (above), "
            "so no mutant can be scored; make it pass first"
        )
    print(f"unmutated: every spec passes in {took:.1f} s")
    return 3 * took + 30


def _mutate_and_grade(
    chosen: Chosen, mutants: list[Mutant], workers: list[Path], timeout: float, spec_timeout: float
) -> list[Result]:
    from cosmic_ray.mutating import mutate_and_test

    free: Queue[Path] = Queue()
    for worker in workers:
        free.put(worker)

    def grade(mutant: Mutant) -> Result:
        worker = free.get()
        try:
            report = worker / "graded.json"
            report.unlink(missing_ok=True)
            spec = mutant.spec
            here = worker / chosen.exercise.name / mutant.file
            local = type(spec)(
                module_path=here, operator_name=spec.operator_name,
                occurrence=spec.occurrence, start_pos=spec.start_pos, end_pos=spec.end_pos,
                operator_args=spec.operator_args, definition_name=spec.definition_name,
            )  # fmt: skip
            result = mutate_and_test([local], _command(chosen, worker, spec_timeout), timeout)
            graded = _classify(mutant, result, report)
            if graded.outcome == Outcome.TIMEOUT:
                # A busy machine slows a spec past its limit as surely as a mutant that loops:
                # a timeout counts only if it happens again with four times the time.
                report.unlink(missing_ok=True)
                slower = _command(chosen, worker, 4 * spec_timeout)
                graded = _classify(mutant, mutate_and_test([local], slower, 4 * timeout), report)
            return graded
        finally:
            free.put(worker)

    results: list[Result] = []
    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        futures: list[Future[Result]] = [pool.submit(grade, mutant) for mutant in mutants]
        try:
            for count, future in enumerate(as_completed(futures), start=1):
                result = future.result()
                results.append(result)
                end = "\n" if count % 60 == 0 or count == len(futures) else ""
                print(MARKS[result.outcome.value], end=end, flush=True)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return sorted(results, key=lambda r: (r.mutant.file, r.mutant.line, r.mutant.operator))


def _classify(mutant: Mutant, result: Any, report: Path) -> Result:
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    change = Change.from_diff(mutant.file, mutant.scope, result.diff or "")
    if result.worker_outcome != WorkerOutcome.NORMAL:
        detail = (result.output or result.worker_outcome.value).strip().splitlines()
        return Result(mutant, Outcome.ERROR, change, detail[-1] if detail else "")
    if result.test_outcome == TestOutcome.SURVIVED:
        return Result(mutant, Outcome.SURVIVED, change, "")
    if result.test_outcome != TestOutcome.KILLED:
        return Result(mutant, Outcome.ERROR, change, str(result.output or "").strip()[-200:])
    # cosmic-ray counts a mutant whose tests run out of time as killed; so does this report.
    if result.output == "timeout":
        return Result(mutant, Outcome.TIMEOUT, change, "the grading ran out of time")
    return _killed_by(mutant, change, report)


def _killed_by(mutant: Mutant, change: Change, report: Path) -> Result:
    try:
        document = json.loads(report.read_text(encoding="utf-8"))
        [exercise] = document["exercises"]
    except (OSError, ValueError, KeyError):
        return Result(mutant, Outcome.KILLED, change, "the grader failed")
    timed_out = exercise["status"] == "timeout"
    for spec in exercise["specs"]:
        if spec["status"] not in ("passed", "not_run"):
            timed_out = timed_out or spec["status"] == "timeout"
            outcome = Outcome.TIMEOUT if timed_out else Outcome.KILLED
            return Result(mutant, outcome, change, f"{spec['status']}: {spec['id']}")
    message = exercise.get("message") or exercise["status"]
    return Result(mutant, Outcome.TIMEOUT if timed_out else Outcome.KILLED, change, message)


def _report(
    chosen: Chosen, results: list[Result], mutants_md: Path, seconds: float, verbose: bool
) -> int:
    counts = Counter(result.outcome for result in results)
    killed = counts[Outcome.KILLED] + counts[Outcome.TIMEOUT]
    survivors = [result for result in results if result.outcome == Outcome.SURVIVED]
    scored = killed + len(survivors)
    sorted_ = sort_survivors([result.change for result in survivors], read_explanations(mutants_md))
    explained = len(sorted_.explained)
    raw = 100.0 * killed / scored if scored else 100.0
    adjusted = 100.0 * killed / (scored - explained) if scored - explained else 100.0
    where = _shown(mutants_md)
    print(
        f"\nMutation score of {chosen.exercise.name} ({_duration(seconds)})\n"
        f"  mutants   {len(results):4}\n"
        f"  killed    {killed:4}   (of which {counts[Outcome.TIMEOUT]} timed out; "
        "cosmic-ray counts a timeout as a kill)\n"
        f"  survived  {len(survivors):4}   ({explained} explained in {where})\n"
        f"  errors    {counts[Outcome.ERROR]:4}   (not scored)\n"
        f"  score     {raw:.1f}% killed; {adjusted:.1f}% with explained survivors set aside "
        f"(target: {TARGET:.0f}% killed, every survivor explained)"
    )
    shown = (Outcome.KILLED, Outcome.TIMEOUT) if verbose else (Outcome.TIMEOUT,)
    if any(result.outcome in shown for result in results):
        print("\nKilled mutants, and the first spec that did not pass:" if verbose else
              "\nMutants that ran out of time (counted as killed):")  # fmt: skip
        for result in results:
            if result.outcome in shown:
                mutant = result.mutant
                print(f"  {mutant.file}:{mutant.line} {mutant.operator}: {result.detail}")
    unexplained = set(sorted_.unexplained)
    if unexplained:
        print(
            f"\nSurvivors to kill with a spec, or to explain in {where} (copy the line, add why):"
        )
        for result in survivors:
            if result.change in unexplained:
                mutant = result.mutant
                print(
                    f"  {mutant.file}:{mutant.line} {mutant.operator}\n    {result.change.entry()}"
                )
    if sorted_.explained:
        print("\nExplained survivors:")
        for change, entry in sorted_.explained:
            print(f"  {change.entry()} — {entry.why}")
    for entry in sorted_.unreasoned:
        print(f"\n{where}:{entry.line}: this entry says no reason, so it explains nothing")
    for entry in sorted_.stale:
        print(f"\n{where}:{entry.line}: no surviving mutant is {entry.change.entry()[2:]}")
    errors = [result for result in results if result.outcome == Outcome.ERROR]
    if errors:
        print("\nMutants cosmic-ray could not grade:")
        for result in errors:
            mutant = result.mutant
            print(f"  {mutant.file}:{mutant.line} {mutant.operator}: {result.detail}")
    return 0 if passes(raw, len(unexplained)) else 1


def passes(killed_percent: float, unexplained: int) -> bool:
    """The exercise's specs are strong enough: 90% killed, and no survivor left unexplained."""
    return killed_percent >= TARGET and unexplained == 0


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{count} {why}" for why, count in counter.most_common())


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _line_range(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    try:
        start, end = int(first), int(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError("give lines as FROM-TO, e.g. 40-60") from None
    if not 1 <= start <= end:
        raise argparse.ArgumentTypeError("give lines as FROM-TO with 1 <= FROM <= TO")
    return start, end


if __name__ == "__main__":
    sys.exit(main())
