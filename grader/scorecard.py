"""The scorecard: what a learner reads after every grading.

For several exercises, a table (number, title, specs, points, status). For one exercise (or with
`--verbose`), every task and spec: ✓ or ✗, the spec's one-line description, and for each failure
the reason in HTTP terms, with the hint that fits the task's first failure. Then the totals and
what to do next.
Colour follows the terminal: none when output is not a terminal or `NO_COLOR` is set.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from grader.launcher import shell
from grader.manifest import Track
from grader.messages import visible
from grader.results import ExerciseResult, ExerciseStatus, RunResult, SpecResult

STYLES = {
    ExerciseStatus.PASSED: "bold green",
    ExerciseStatus.IN_PROGRESS: "yellow",
    ExerciseStatus.NOT_STARTED: "dim",
    ExerciseStatus.ERROR: "bold red",
    ExerciseStatus.TIMEOUT: "bold red",
    ExerciseStatus.CRASHED: "bold red",
}
#: Lines of an app's output shown under an exercise that failed as a whole, or under a spec.
OUTPUT_LINES = 8


class Marks:
    """✓ and ✗ where the terminal can show them, plain letters where it cannot."""

    def __init__(self, console: Console) -> None:
        try:
            "✓✗→·".encode(console.encoding or "ascii")
            self.ok, self.no, self.dot = "✓", "✗", "·"
        except (UnicodeEncodeError, LookupError):
            self.ok, self.no, self.dot = "+", "x", "-"


def render(console: Console, run: RunResult, track: Track, *, detail: bool) -> None:
    """Print the scorecard of `run`; `detail` shows every spec of every exercise."""
    marks = Marks(console)
    if detail:
        for exercise in run.exercises:
            console.print(exercise_detail(exercise, track, marks))
            console.print()
    if len(run.exercises) > 1 or not detail:
        console.print(summary_table(run, marks))
    console.print(totals(run, marks))


def exercise_detail(exercise: ExerciseResult, track: Track, marks: Marks) -> Group:
    """One exercise, task by task and spec by spec."""
    status = exercise.status
    head = Text.assemble(
        (f"{exercise.number:02d} {marks.dot} {exercise.title}", "bold"),
        f"   {exercise.passed}/{exercise.total} specs {marks.dot} ",
        f"{_points(exercise.score)}/{_points(exercise.max_score)} points {marks.dot} ",
        (status.label, STYLES[status]),
    )
    parts: list[RenderableType] = [head]
    if exercise.message:
        parts.append(_indent(Text(exercise.message, style="red"), 2))
        parts.extend(_output_excerpt(exercise.output))
    reason = exercise.message
    ran = [spec for spec in exercise.specs if spec.message not in (reason, f"not run: {reason}")]
    if reason and not ran:
        # Nothing ran past the problem: the reason above says all there is to say.
        return Group(*parts)
    manifest = next((e for e in track.exercises if e.number == exercise.number), None)
    tasks = sorted({spec.task for spec in exercise.specs})
    for number in tasks:
        specs = [spec for spec in exercise.specs if spec.task == number]
        task = manifest.task(number) if manifest else None
        title = task.title if task else ""
        passed = sum(spec.passed for spec in specs)
        style = "green" if passed == len(specs) else "default"
        parts.append(Text(""))
        heading = Text(f"Task {number}: {title}  ({passed}/{len(specs)})", style=f"bold {style}")
        parts.append(_indent(heading, 2))
        parts.append(_indent(_spec_grid(specs, marks, exercise.message), 4))
        hint = next((spec.hint for spec in specs if not spec.passed and spec.hint), None)
        if hint and exercise.message is None:
            # The hint of the task's first failing spec: it fits what went wrong.
            parts.append(_indent(Text(f"hint: {hint}", style="cyan"), 4))
    return Group(*parts)


def _spec_grid(specs: list[SpecResult], marks: Marks, reason: str | None) -> Table:
    """✓/✗ in a column of their own, so wrapped descriptions and reasons hang under the text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for spec in specs:
        if spec.passed:
            grid.add_row(Text(marks.ok, style="green"), spec.description)
            continue
        grid.add_row(Text(marks.no, style="red"), spec.description)
        if spec.message and spec.message != f"not run: {reason}":
            grid.add_row("", _indent(Text(spec.message, style="dim"), 2))
        if spec.output.strip():
            # What the app printed while this spec ran: often the learner's own debug line.
            grid.add_row("", Group(*_output_excerpt(spec.output)))
    return grid


def _indent(renderable: RenderableType, columns: int) -> Padding:
    return Padding(renderable, (0, 0, 0, columns), expand=False)


def _output_excerpt(output: str) -> list[RenderableType]:
    lines = output.strip().splitlines()
    if not lines:
        return []
    shown = lines[-OUTPUT_LINES:]
    note = (
        f"  the app printed ({len(lines) - len(shown)} earlier lines not shown):"
        if len(lines) > len(shown)
        else "  the app printed:"
    )
    excerpt: list[RenderableType] = [Text(note, style="dim")]
    excerpt += [_indent(Text(visible(line), style="dim"), 4) for line in shown]
    return excerpt


def summary_table(run: RunResult, marks: Marks) -> Table:
    """One row per exercise."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("#", justify="right")
    table.add_column("Exercise")
    table.add_column("Specs", justify="right")
    table.add_column("Points", justify="right")
    table.add_column("Status")
    for exercise in run.exercises:
        status = exercise.status
        table.add_row(
            f"{exercise.number:02d}",
            escape(exercise.title),
            f"{exercise.passed}/{exercise.total}",
            f"{_points(exercise.score)}/{_points(exercise.max_score)}",
            Text(status.label, style=STYLES[status]),
        )
    return table


def totals(run: RunResult, marks: Marks) -> Group:
    """The totals line, and the next exercise to work on with its first failing spec."""
    done = sum(ex.status is ExerciseStatus.PASSED for ex in run.exercises)
    lines = [
        Text.assemble(
            "\n",
            ("Total: ", "bold"),
            f"{_points(run.score)}/{_points(run.max_score)} points ({run.percent:.0f}%) "
            f"{marks.dot} {done} of {len(run.exercises)} exercises passed "
            f"{marks.dot} {run.duration:.1f} s",
        )
    ]
    nxt = run.next_up()
    if nxt is None:
        lines.append(Text("All passed. Well done!", style="bold green"))
        return Group(*lines)
    lines.append(
        Text.assemble(
            ("Next up: ", "bold"),
            f"{nxt.number:02d} {nxt.title} ",
            ("(", "dim"),
            (shell("grade", f"{nxt.number:02d}"), "cyan"),
            (")", "dim"),
        )
    )
    if nxt.message:
        lines.append(Text(f"  {nxt.message}", style="red"))
    else:
        first = nxt.first_failure()
        if first is not None:
            lines.append(Text.assemble(("  " + marks.no + " ", "red"), first.description))
            if first.message:
                lines.append(Text(f"    {first.message.splitlines()[0]}", style="dim"))
    return Group(*lines)


def _points(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"
