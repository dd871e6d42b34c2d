"""An exercise's contract: every checkable rule of its README, quoted, and the hint that fits it.

Each exercise keeps its contract beside its specs, in `grader/specs/NN_slug/rules.toml`:

    [[rules]]
    id = "expired-token"            # what specs call it: @pytest.mark.rule("expired-token")
    task = 3
    quote = "a token signed with `JWT_SECRET` whose `exp` has passed"   # README text, verbatim
    hint = "A nudge that fits a failure of this rule, never the answer."

    [[ungraded]]
    quote = "Error bodies are up to you"
    why = "nothing to check: any body is right"

The kata's own tests hold the three together: every quote is in the README, every checkable
sentence and table row of the README holds a quote, every rule has a spec and every spec a rule.
The scorecard shows, for a failing spec, the hint of the rule it checks.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grader import ROOT, SPECS_DIR

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: The file, inside an exercise's spec folder, that holds its contract.
FILE_NAME = "rules.toml"
#: Words that make a README sentence a checkable rule (exercise-standard.md).
RULE_WORDS = re.compile(r"\b(must|never|only|every|at most|at least)\b", re.IGNORECASE)
#: README sections (`## ...`) whose rules are graded; the others teach or invite.
GRADED_SECTIONS = ("grading interface", "tasks")


class ContractError(Exception):
    """A `rules.toml` cannot be read or does not describe a contract."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rule(_Frozen):
    """One checkable rule of a README, and the hint a learner who breaks it gets."""

    #: What specs call the rule in `@pytest.mark.rule(...)`: lower-case words and dashes.
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    #: The task the rule belongs to; 0 for the grading interface, which every task shares.
    task: Annotated[int, Field(ge=0)]
    #: The rule's words in the README, verbatim (runs of whitespace may differ).
    quote: Annotated[str, Field(min_length=3)]
    #: Shown under a failing spec of this rule: a nudge that fits the failure, never the answer.
    hint: Annotated[str, Field(min_length=10)]


class Ungraded(_Frozen):
    """README text that reads like a rule but is deliberately not graded, and why."""

    quote: Annotated[str, Field(min_length=3)]
    why: Annotated[str, Field(min_length=3)]
    #: The quote is (part of) a table's header row, and the table holds data, not rules
    #: (seed rows, examples): none of its rows is a checkable unit.
    table: bool = False


class Contract(_Frozen):
    """The rules of one exercise."""

    rules: Annotated[tuple[Rule, ...], Field(min_length=1)]
    ungraded: tuple[Ungraded, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Contract:
        ids = [rule.id for rule in self.rules]
        twice = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if twice:
            raise ValueError(f"rule ids must be unique, repeated: {', '.join(twice)}")
        return self

    def rule(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def hint_for(self, rule_ids: tuple[str, ...] | list[str]) -> str | None:
        """The hint of the first of `rule_ids` the contract knows."""
        for rule_id in rule_ids:
            rule = self.rule(rule_id)
            if rule is not None:
                return rule.hint
        return None


def path_of(exercise_name: str) -> Path:
    return SPECS_DIR / exercise_name / FILE_NAME


def load_contract(exercise_name: str) -> Contract | None:
    """The exercise's contract, or None if it has no `rules.toml`; a broken one is an error."""
    path = path_of(exercise_name)
    shown = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractError(f"{shown}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContractError(f"{shown}: not valid TOML ({exc})") from None
    try:
        return Contract.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "top level"
        raise ContractError(f"{shown}: {where}: {error['msg']}") from None


@cache
def cached_contract(exercise_name: str) -> Contract | None:
    """`load_contract`, once per process; None where the contract is missing or broken."""
    try:
        return load_contract(exercise_name)
    except ContractError:
        return None


# --- the README's checkable units -----------------------------------------------------------
def normalise(text: str) -> str:
    """Text with every run of whitespace made one space, for comparing quotes with the README."""
    return " ".join(text.split())


def graded_text(readme: str) -> str:
    """The README's graded sections (grading interface and tasks), code blocks left out."""
    kept: list[str] = []
    keep = False
    fenced = False
    for line in readme.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        if line.startswith("## "):
            keep = line[3:].strip().lower().startswith(GRADED_SECTIONS)
            continue
        if keep:
            kept.append(line)
    return "\n".join(kept)


def checkable_units(readme: str, data_tables: tuple[str, ...] = ()) -> list[str]:
    """Every table row and every sentence holding a rule word (must, never, only, every, at most,
    at least) in the README's graded sections: what a contract must quote or call ungraded.

    Rows of a table whose header holds one of `data_tables` are data, not rules, and left out.
    """
    units: list[str] = []
    block: list[str] = []
    header_next = True
    data_table = False

    def flush() -> None:
        if block:
            text = normalise(" ".join(block))
            units.extend(s for s in _sentences(text) if RULE_WORDS.search(s))
            block.clear()

    for line in graded_text(readme).splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            flush()
            if re.fullmatch(r"\|[\s:|-]+\|?", stripped):
                continue  # the separator under a table's header
            if header_next:
                header_next = False  # a table's header names columns; it is not a rule
                data_table = any(normalise(quote) in normalise(stripped) for quote in data_tables)
                continue
            if not data_table:
                units.append(normalise(stripped))
            continue
        header_next = True
        if not stripped or stripped.startswith("#"):
            flush()
        elif re.match(r"([-*+]|\d+\.)\s", stripped):
            flush()  # a list item starts a unit of its own
            block.append(re.sub(r"^([-*+]|\d+\.)\s+", "", stripped))
        else:
            block.append(stripped)
    flush()
    return units


def _sentences(text: str) -> list[str]:
    """`text` cut after each `.`, `!` or `?` followed by a capital, backtick, quote or bracket."""
    return [part for part in re.split(r"(?<=[.!?])\s+(?=[A-Z`\"*(])", text) if part]


def uncovered_units(readme: str, contract: Contract) -> list[str]:
    """The README's checkable units that hold no quote of the contract."""
    quotes = [normalise(rule.quote) for rule in contract.rules]
    quotes += [normalise(item.quote) for item in contract.ungraded if not item.table]
    tables = tuple(item.quote for item in contract.ungraded if item.table)
    units = checkable_units(readme, tables)
    return [unit for unit in units if not any(q in unit for q in quotes)]


def missing_quotes(readme: str, contract: Contract) -> list[str]:
    """Quotes of the contract that are not (or no longer) in the README."""
    text = normalise(readme)
    quoted = [rule.quote for rule in contract.rules] + [item.quote for item in contract.ungraded]
    return [quote for quote in quoted if normalise(quote) not in text]
