"""Surviving mutants, and the ones an exercise's author has explained in `MUTANTS.md`.

A mutant is known by its file, the function or class it is in, and its one-line change with
whitespace collapsed, which stay the same when code above it moves (line numbers and cosmic-ray's
occurrence counts do not):

    - `limiter.py` in `Limiter.hit`: `if len(hits) >= limit:` → `if len(hits) > limit:` — why

`python noxfile.py -s mutants` prints each survivor as such a line; the author copies it into
`grader/specs/NN_slug/MUTANTS.md` and writes, after it, why it is equivalent or outside the
README's contract. A line whose change is the removal of a line says `removed` instead of the
new code; a mutant outside any function or class has no `in` part. An entry without a reason
explains nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: The file beside an exercise's specs that lists its explained survivors.
FILE_NAME = "MUTANTS.md"
REMOVED = "removed"
_CODE = r"(?P<{0}_ticks>`+)\s?(?P<{0}>.*?)\s?(?P={0}_ticks)"
_ENTRY = re.compile(
    r"^\s*[-*]\s+`(?P<file>[^`]+)`(?:\s+in\s+`(?P<scope>[^`]+)`)?:\s*"
    + _CODE.format("old")
    + r"\s*(?:→|->)\s*(?:"
    + _CODE.format("new")
    + rf"|(?P<removed>{REMOVED}))"
    + r"\s*(?:[—–:-]+\s*)?(?P<why>.*?)\s*$"
)


@dataclass(frozen=True)
class Change:
    """A mutant's one-line change: where, the line as written, the line as mutated."""

    file: str
    #: The dotted name of the function or class the line is in (`Limiter.hit`); empty outside.
    scope: str
    old: str
    #: The mutated line; empty when the mutation removed the line.
    new: str

    @classmethod
    def of(cls, file: str, scope: str, old: str, new: str) -> Change:
        return cls(file, scope, _collapse(old), _collapse(new))

    @classmethod
    def from_diff(cls, file: str, scope: str, diff: str) -> Change:
        """The first line of code (not a comment) a unified diff removes, and the first it adds."""
        removed: list[str] = []
        added: list[str] = []
        for line in diff.splitlines():
            if line.startswith(("---", "+++")):
                continue
            if line.startswith(("-", "+")):
                (removed if line[0] == "-" else added).append(line[1:])
        return cls.of(file, scope, _first_code(removed), _first_code(added))

    def entry(self) -> str:
        """The change as a line of `MUTANTS.md`, without the reason."""
        new = _code(self.new) if self.new else REMOVED
        scope = f" in `{self.scope}`" if self.scope else ""
        return f"- `{self.file}`{scope}: {_code(self.old)} → {new}"


@dataclass(frozen=True)
class Explanation:
    """An entry of `MUTANTS.md`: the change it explains and why it may survive."""

    change: Change
    why: str
    line: int


def read_explanations(path: Path) -> list[Explanation]:
    """The entries of a `MUTANTS.md` (none when there is no such file); other lines are prose."""
    if not path.is_file():
        return []
    return parse_explanations(path.read_text(encoding="utf-8"))


def parse_explanations(text: str) -> list[Explanation]:
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ENTRY.match(line)
        if match:
            new = "" if match["removed"] else match["new"]
            change = Change.of(match["file"], match["scope"] or "", match["old"], new)
            entries.append(Explanation(change, match["why"], number))
    return entries


@dataclass(frozen=True)
class Sorted:
    """Survivors split by whether `MUTANTS.md` explains them."""

    explained: list[tuple[Change, Explanation]]
    unexplained: list[Change]
    #: Entries with no reason after the change: they explain nothing.
    unreasoned: list[Explanation]
    #: Entries that match no survivor: the mutant is killed now, or the code changed.
    stale: list[Explanation]


def sort_survivors(survivors: Iterable[Change], explanations: Iterable[Explanation]) -> Sorted:
    """Match survivors with the entries that explain them (one entry covers equal changes)."""
    entries = list(explanations)
    reasoned = {entry.change: entry for entry in entries if entry.why}
    explained: list[tuple[Change, Explanation]] = []
    unexplained: list[Change] = []
    used: set[Change] = set()
    for change in survivors:
        entry = reasoned.get(change)
        if entry is None:
            unexplained.append(change)
        else:
            explained.append((change, entry))
            used.add(change)
    unreasoned = [entry for entry in entries if not entry.why]
    stale = [entry for entry in entries if entry.why and entry.change not in used]
    return Sorted(explained, unexplained, unreasoned, stale)


def _first_code(lines: list[str]) -> str:
    code = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    return (code or lines or [""])[0]


def _collapse(code: str) -> str:
    return " ".join(code.split())


def _code(code: str) -> str:
    """`code` as a Markdown code span, with enough backticks to hold any it contains."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"
