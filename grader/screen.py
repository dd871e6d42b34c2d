"""The one screen `watch` shows, made to fit the terminal.

From the top: a progress line; the exercise with its score; the task being worked on (the first
that does not pass) with its failures, the hint that fits the first one and the hints asked for;
every other task folded to one line; what watch is doing; the keys. When all of that is too tall
for the terminal, the least useful lines go first (passed specs of the current task, then the
reasons of later failures, then later failures, then the folded tasks) and one line says so.

Every line is made here, already cut to the terminal's width, so what is counted is what shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.text import Text

from grader.launcher import shell
from grader.manifest import Exercise, Track
from grader.messages import visible
from grader.progress import ExerciseProgress
from grader.results import ExerciseResult, ExerciseStatus, SpecResult
from grader.scorecard import STYLES, Marks

#: The keys `watch` answers to, in the order the footer shows them.
KEYS = (
    ("n", "next"),
    ("h", "hint"),
    ("c", "compare"),
    ("r", "re-run"),
    ("l", "list"),
    ("q", "quit"),
)
#: Lines of a failure's reason shown for the first failure, and for the others.
FIRST_REASON_LINES, OTHER_REASON_LINES = 4, 1
#: Lines of what the app printed shown under the first failure, or under an exercise that failed.
OUTPUT_LINES = 3
#: Lines a note (the answer to a key) may take.
NOTE_LINES = 2
#: The fewest lines `watch` draws in, whatever the terminal says.
MIN_HEIGHT = 8

# How much a block is worth keeping when lines run short: lower goes first.
_ALWAYS, _MUST, _FIRST, _HIGH, _FOLDED, _OTHER_FAILURE, _OTHER_REASON, _PASSED_SPEC = range(
    8, 0, -1
)


@dataclass
class View:
    """Everything the screen shows; `watch` keeps one and redraws it."""

    track: Track
    exercise: Exercise
    #: The exercise's folder, as messages show it.
    folder: str
    #: How saves are noticed: "file events", "polling, WSL"…
    how: str
    #: Progress recorded before the current grading, per exercise name.
    progress: dict[str, ExerciseProgress] = field(default_factory=dict)
    #: The latest grading of the exercise's current files; None while there is none.
    result: ExerciseResult | None = None
    grading: bool = False
    #: Task hints asked for with `h`, for the task being worked on: (task number, how many).
    hints: tuple[int, int] = (0, 0)
    #: A one-line answer to the last key pressed.
    note: str | None = None
    #: The exercise `n` moves to once this one passes; None when every other one has passed.
    next: Exercise | None = None
    #: Whether keys can be pressed (standard input is a terminal).
    keys: bool = True
    #: In the list of exercises (`l`): what has been typed so far; None when not in the list.
    choosing: str | None = None

    def current_task(self) -> int | None:
        """The task being worked on: the first with a spec that does not pass."""
        if self.result is None:
            return None
        failing = self.result.first_failure()
        return failing.task if failing is not None else None


@dataclass
class _Block:
    lines: list[Text]
    worth: int
    #: Whether leaving it out hides a spec or a reason (the notice then says so).
    counted: bool = False


def draw(console: Console, view: View) -> None:
    """Clear the terminal and show `view` in it, in one write."""
    width, height = console.size
    lines = render(view, width, height, Marks(console))
    with console:  # one write: no half-drawn screen in between
        console.clear()
        for line in lines:
            console.print(line, no_wrap=True, overflow="crop", crop=True)


def render(view: View, width: int, height: int, marks: Marks) -> list[Text]:
    """The screen's lines, each at most `width` wide, fewer than `height` in all."""
    width = max(width, 20)
    # The line under the last one holds the cursor: a full terminal would scroll by one.
    budget = max(height, MIN_HEIGHT) - 1
    if view.choosing is not None:
        return _choose(view, width, budget, marks)
    top = [
        _Block([_progress(view, width, marks)], _ALWAYS),
        _Block(_heading(view, width, marks), _MUST),
        _Block([Text("")], _OTHER_REASON),
    ]
    bottom = [*_status(view, width, marks), _Block(_footer(view, width), _ALWAYS)]
    return _fit(top, _body(view, width, marks), bottom, budget, view, width)


# --- the parts of the screen -----------------------------------------------------------------
def _progress(view: View, width: int, marks: Marks) -> Text:
    """`FastAPI Kata  ████░░░░  2 of 6 exercises · 35/115 points`, counting this grading."""
    done, score, points = 0, 0.0, 0
    for exercise in view.track.exercises:
        known = view.progress.get(exercise.name)
        passed = known is not None and known.done
        best = known.best_score if known else 0.0
        if exercise.name == view.exercise.name and view.result is not None:
            passed = passed or view.result.status is ExerciseStatus.PASSED
            best = max(best, view.result.score)
        done += passed
        score += best
        points += exercise.points
    total = len(view.track.exercises)
    full, empty = ("█", "░") if marks.ok == "✓" else ("#", "-")
    bar_width = 20
    filled = round(bar_width * score / points) if points else 0
    line = Text.assemble(
        ("FastAPI Kata  ", "bold"),
        (full * filled, "green"),
        (empty * (bar_width - filled), "dim"),
        f"  {done} of {total} exercises {marks.dot} {_points(score)}/{points} points",
    )
    line.truncate(width, overflow="ellipsis")
    return line


def _heading(view: View, width: int, marks: Marks) -> list[Text]:
    exercise, result = view.exercise, view.result
    head = Text(f"{exercise.number:02d} {marks.dot} {exercise.title}", style="bold")
    if result is not None and not view.grading:
        status = result.status
        head.append(
            f"   {result.passed}/{result.total} specs {marks.dot} "
            f"{_points(result.score)}/{_points(result.max_score)} points {marks.dot} "
        )
        head.append(status.label, style=STYLES[status])
        head.append(f" {marks.dot} {result.duration:.1f} s", style="dim")
    return _wrap(head, width)


def _body(view: View, width: int, marks: Marks) -> list[_Block]:
    result = view.result
    if view.grading or result is None:
        return [_Block([Text(f"Grading {view.exercise.name} …", style="dim")], _MUST)]
    blocks: list[_Block] = []
    if result.message:
        message = _lines(Text(visible(result.message), style="red"), width, "  ", "  ")
        blocks.append(_Block(message[: FIRST_REASON_LINES + 2], _MUST))
        printed = _output(result.output, width, "  ")
        if printed:
            blocks.append(_Block(printed, _HIGH))
    reason = result.message
    ran = [s for s in result.specs if s.message not in (reason, f"not run: {reason}")]
    if reason and not ran:
        return blocks  # nothing ran past the problem: the reason says all there is to say
    current = view.current_task()
    for task in view.exercise.tasks:
        specs = [spec for spec in result.specs if spec.task == task.number]
        if not specs:
            continue
        passed = sum(spec.passed for spec in specs)
        mark, style = (marks.ok, "green") if passed == len(specs) else (marks.no, "red")
        heading = Text.assemble(
            "  ",
            (f"{mark} ", style),
            (f"Task {task.number}: {task.title}", "bold" if task.number == current else ""),
            (f"  {passed}/{len(specs)}", "dim"),
        )
        heading.truncate(width, overflow="ellipsis")
        if task.number != current:
            blocks.append(_Block([heading], _FOLDED, counted=True))
            continue
        blocks.append(_Block([heading], _MUST))
        blocks.extend(_current_task(view, specs, width, marks))
    return blocks


def _current_task(view: View, specs: list[SpecResult], width: int, marks: Marks) -> list[_Block]:
    """The task being worked on: its failures first, the hints, then what passes."""
    reason = view.result.message if view.result else None
    blocks: list[_Block] = []
    task = view.exercise.task(specs[0].task)
    task_number, asked = view.hints
    asked_for = task.hints[:asked] if task is not None and task.number == task_number else ()
    failures = [spec for spec in specs if not spec.passed]
    for index, spec in enumerate(failures):
        first = index == 0
        mark = Text(f"{marks.no} ", style="red")
        if first:
            described = _lines(Text(spec.description), width, "    ", "      ", mark)
        else:
            line = Text.assemble("    ", mark, spec.description)
            line.truncate(width, overflow="ellipsis")
            described = [line]
        blocks.append(_Block(described, _FIRST if first else _OTHER_FAILURE, counted=True))
        if spec.message and spec.message != f"not run: {reason}":
            kept = FIRST_REASON_LINES if first else OTHER_REASON_LINES
            why = _lines(Text(visible(spec.message), style="dim"), width, "        ", "        ")
            shown = why[:kept]
            if len(why) > kept:
                shown[-1] = _cut(shown[-1], width)
            blocks.append(_Block(shown, _HIGH if first else _OTHER_REASON, counted=True))
        if first:
            printed = _output(spec.output, width, "        ")
            if printed:
                blocks.append(_Block(printed, _OTHER_REASON, counted=True))
            if spec.hint and spec.hint not in asked_for:  # shown below with its number
                hint = Text.assemble(("hint: ", "bold cyan"), (visible(spec.hint), "cyan"))
                blocks.append(_Block(_lines(hint, width, "      ", "      "), _HIGH))
    for number, text in enumerate(asked_for, start=1):
        assert task is not None
        label = Text(f"hint {number} of {len(task.hints)}: ", style="bold cyan")
        hint = Text.assemble(label, (text, "cyan" if number == asked else "dim"))
        blocks.append(_Block(_lines(hint, width, "      ", "      "), _HIGH))
    for spec in specs:
        if spec.passed:
            line = Text.assemble("    ", (f"{marks.ok} ", "green"), (spec.description, "dim"))
            line.truncate(width, overflow="ellipsis")
            blocks.append(_Block([line], _PASSED_SPEC, counted=True))
    return blocks


def _status(view: View, width: int, marks: Marks) -> list[_Block]:
    blocks = [_Block([Text("")], _OTHER_REASON)]
    result = view.result
    exercise = view.exercise
    if not view.grading and result is not None and result.status is ExerciseStatus.PASSED:
        passes = Text(f"{marks.ok} {exercise.number:02d} {exercise.title} passes!")
        passes.stylize("bold green")
        blocks.append(_Block(_wrap(passes, width), _MUST))
        if view.keys:
            then = (
                f"n: on to {view.next.number:02d} {view.next.title}"
                if view.next is not None
                else "every other exercise has passed too: well done!"
            )
            offer = f"c: compare your files with the reference solution {marks.dot} {then}"
            blocks.append(_Block(_wrap(Text(offer), width), _HIGH))
        again = Text(f"Saving a file still grades {view.folder} again.", style="dim")
        blocks.append(_Block(_wrap(again, width), _PASSED_SPEC))
    elif not view.grading:
        watching = f"Watching {view.folder} ({view.how}): save a file to grade it again."
        blocks.append(_Block(_wrap(Text(watching, style="dim"), width), _OTHER_REASON))
    if view.note:
        note = _wrap(Text(visible(view.note), style="yellow"), width)
        if len(note) > NOTE_LINES:
            note = [*note[: NOTE_LINES - 1], _cut(note[NOTE_LINES - 1], width)]
        blocks.append(_Block(note, _HIGH))
    return blocks


def _footer(view: View, width: int) -> list[Text]:
    if not view.keys:
        return [Text("Ctrl-C quits.", style="dim")]
    footer = Text()
    for key, what in KEYS:
        if footer:
            footer.append(" · ", style="dim")
        footer.append(key, style="bold cyan")
        footer.append(f" {what}")
    return _wrap(footer, width)


def _choose(view: View, width: int, budget: int, marks: Marks) -> list[Text]:
    """The list of exercises (`l`), to pick one to watch."""
    top = [_progress(view, width, marks), Text("")]
    ask = Text.assemble(
        "Type an exercise's number and press Enter to watch it (Esc: back): ",
        (view.choosing or "", "bold"),
        ("_", "blink"),
    )
    bottom = [Text(""), *_wrap(ask, width)]
    if view.note:
        bottom += _wrap(Text(visible(view.note), style="yellow"), width)
    rows: list[Text] = []
    here = 0
    for index, exercise in enumerate(view.track.exercises):
        known = view.progress.get(exercise.name)
        current = exercise.name == view.exercise.name
        here = index if current else here
        status = (
            ExerciseStatus(known.last_status) if known is not None else ExerciseStatus.NOT_STARTED
        )
        label = status.label if known is not None else "not graded yet"
        best = f"{_points(known.best_score if known else 0.0)}/{exercise.points}"
        row = Text.assemble(
            ("→ " if current and marks.ok == "✓" else "> " if current else "  ", "bold cyan"),
            (f"{exercise.number:02d}  ", "bold" if current else ""),
            (f"{exercise.title:<36.36} ", "bold" if current else ""),
            (f"{label:<15}", STYLES[status] if known is not None else "dim"),
            f"{best:>8}",
        )
        row.truncate(width, overflow="ellipsis")
        rows.append(row)
    room = max(budget - len(top) - len(bottom), 1)
    start = min(max(here - room // 2, 0), max(len(rows) - room, 0))
    return [*top, *rows[start : start + room], *bottom]


# --- fitting -----------------------------------------------------------------------------------
def _fit(
    top: list[_Block],
    middle: list[_Block],
    bottom: list[_Block],
    budget: int,
    view: View,
    width: int,
) -> list[Text]:
    """The blocks that fit in `budget` lines, the most useful first, in their order; and if
    some of the middle had to go, a line saying so under it."""
    blocks = [*top, *middle, *bottom]
    if sum(len(block.lines) for block in blocks) <= budget:
        return [line for block in blocks for line in block.lines]
    room = budget - 1  # for the line that says something was left out
    kept: set[int] = set()
    used = 0
    for index in sorted(range(len(blocks)), key=lambda i: (-blocks[i].worth, i)):
        size = len(blocks[index].lines)
        if used + size <= room:
            kept.add(index)
            used += size
    lines: list[Text] = []
    for index, block in enumerate(blocks):
        if index in kept:
            lines.extend(block.lines)
        if index == len(top) + len(middle) - 1 and any(
            b.counted for i, b in enumerate(blocks) if i not in kept
        ):
            number = f"{view.exercise.number:02d}"
            notice = Text(f"… more than fits here: {shell('grade', number)} shows every spec")
            notice.stylize("dim")
            notice.truncate(width, overflow="ellipsis")
            lines.append(notice)
    if len(lines) > budget:  # too small even for what must be there: the top and the keys stay
        keys = bottom[-1].lines
        lines = [*lines[: max(budget - len(keys), 1)], *keys][:budget]
    return lines


# --- lines -------------------------------------------------------------------------------------
def _wrap(text: Text, width: int) -> list[Text]:
    return _lines(text, width, "", "")


def _lines(text: Text, width: int, first: str, hang: str, mark: Text | None = None) -> list[Text]:
    """`text` wrapped to `width`: the first line after `first` (and `mark`), the others after
    `hang`, so that wrapped lines hang under the text."""
    lead = len(first) + (mark.cell_len if mark is not None else 0)
    inner = max(width - max(lead, len(hang)), 10)
    console = Console(width=inner, legacy_windows=False, color_system=None)
    wrapped = text.wrap(console, inner, overflow="fold")
    lines: list[Text] = []
    for number, line in enumerate(wrapped):
        line.rstrip()
        if number == 0:
            lines.append(Text(first) + (mark or Text()) + line)
        else:
            lines.append(Text(hang) + line)
    return lines or [Text(first)]


def _output(output: str, width: int, indent: str) -> list[Text]:
    """The last lines of what the app printed, under a heading."""
    printed = [line for line in visible(output).strip().splitlines() if line.strip()]
    if not printed:
        return []
    lines = [Text(f"{indent}the app printed:", style="dim")]
    for line in printed[-OUTPUT_LINES:]:
        shown = Text(f"{indent}  {line}", style="dim")
        shown.truncate(width, overflow="ellipsis")
        lines.append(shown)
    return lines


def _cut(line: Text, width: int) -> Text:
    """`line`, ending in an ellipsis to say that more lines follow."""
    cut = line.copy()
    cut.truncate(max(width - 2, 1))
    cut.rstrip()
    cut.append(" …", style="dim")
    return cut


def _points(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"
