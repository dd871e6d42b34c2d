"""`compare EXERCISE [--force]`: the learner's files beside the reference solution's.

File by file, as a coloured unified diff, or side by side where the terminal is wide enough.
The reference is the reward for passing, so it is shown once the exercise has passed (the
progress in `.kata/` says so); `--force` shows it before.
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from grader import ROOT
from grader.launcher import shell
from grader.manifest import load_track
from grader.progress import Store, shown, target_key
from grader.snapshots import read_files
from grader.target import resolve_target

NAME = "compare"
HELP = "your files beside the reference solution's, as a diff (once the exercise passes)"

#: Terminal width from which `--view auto` shows files side by side.
SIDE_BY_SIDE_WIDTH = 150
#: Unchanged lines shown around each change.
CONTEXT = 3


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exercise", metavar="EXERCISE", help="number (01) or slug (first_routes)")
    parser.add_argument(
        "--force", action="store_true", help="show the reference even before the exercise passes"
    )
    parser.add_argument(
        "--view",
        choices=("auto", "unified", "side"),
        default="auto",
        help=f"side by side from {SIDE_BY_SIDE_WIDTH} columns (auto, the default), or always one",
    )
    parser.add_argument(
        "--target", metavar="DIR", help="folder laid out like exercises/ (default: exercises)"
    )
    parser.add_argument(
        "--solutions",
        metavar="DIR",
        type=Path,
        default=ROOT / "solutions",
        help="folder holding the reference solutions (default: solutions)",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    exercise = load_track().select([args.exercise])[0]
    target = resolve_target(args.target)
    known = Store().progress(target_key(target)).get(exercise.name)
    number = f"{exercise.number:02d}"
    if not args.force and (known is None or not known.done):
        console.print(
            f"{exercise.number:02d} {exercise.title} has not passed yet, and the reference "
            f"solution is the reward for passing it. Keep going (`{shell('hint', number)}` "
            "helps), or add --force to see it now."
        )
        return 1
    reference = read_files(args.solutions / exercise.name)
    yours = read_files(target / exercise.name)
    side = args.view == "side" or (args.view == "auto" and console.width >= SIDE_BY_SIDE_WIDTH)
    for name in sorted(reference):
        if name not in yours:
            console.print(Rule(Text(name, style="bold"), align="left"))
            console.print(Text(f"{name} is in the reference but not in yours.", style="yellow"))
            continue
        mine, theirs = _lines(yours[name]), _lines(reference[name])
        console.print(Rule(Text(name, style="bold"), align="left"))
        if mine == theirs:
            console.print(Text("the same as the reference", style="green"))
        elif side:
            console.print(side_by_side(mine, theirs, console.width))
        else:
            console.print(unified(mine, theirs, name))
    extra = sorted(name for name in yours if name not in reference and not name.endswith(".md"))
    if extra:
        console.print(Text(f"\nOnly in yours: {', '.join(extra)}", style="dim"))
    console.print(
        Text(
            f"\nyours: {shown(target / exercise.name)} · reference: "
            f"{shown(args.solutions / exercise.name)}",
            style="dim",
        )
    )
    return 0


def unified(mine: list[str], theirs: list[str], name: str) -> Text:
    """A unified diff from the learner's file to the reference, coloured."""
    text = Text()
    lines = difflib.unified_diff(
        mine, theirs, f"yours/{name}", f"reference/{name}", n=CONTEXT, lineterm=""
    )
    for line in lines:
        if line.startswith(("---", "+++")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        else:
            style = ""
        text.append(line + "\n", style=style)
    return text


def side_by_side(mine: list[str], theirs: list[str], width: int) -> RenderableType:
    """Yours on the left, the reference on the right, changed lines coloured."""
    table = Table(box=None, pad_edge=False, expand=True, header_style="bold", width=width)
    table.add_column("", justify="right", style="dim", no_wrap=True)
    table.add_column("yours", ratio=1, overflow="fold")
    table.add_column("", justify="right", style="dim", no_wrap=True)
    table.add_column("reference", ratio=1, overflow="fold")
    matcher = difflib.SequenceMatcher(None, mine, theirs, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT):
        if table.row_count:
            table.add_row("", Text("⋯", style="dim"), "", Text("⋯", style="dim"))
        for tag, i1, i2, j1, j2 in group:
            left, right = mine[i1:i2], theirs[j1:j2]
            for k in range(max(len(left), len(right))):
                old = left[k] if k < len(left) else None
                new = right[k] if k < len(right) else None
                table.add_row(
                    str(i1 + k + 1) if old is not None else "",
                    Text(old or "", style="" if tag == "equal" else "red"),
                    str(j1 + k + 1) if new is not None else "",
                    Text(new or "", style="" if tag == "equal" else "green"),
                )
    return Group(table)


def _lines(content: bytes) -> list[str]:
    return content.decode("utf-8", "replace").expandtabs(4).splitlines()
