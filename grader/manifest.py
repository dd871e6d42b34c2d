"""The track manifest, `grader/track.toml`: every exercise, its tasks and their hints.

One file describes the whole track so that the grader, the scorecard, `list` and `hint` agree on
numbers, titles and points. It is loaded into frozen pydantic models; anything wrong with it is
reported as one `ManifestError` line that names the file and the field.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grader import ROOT
from grader.launcher import shell

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: The manifest; `KATA_MANIFEST` points elsewhere (the kata's own tests use it).
MANIFEST = Path(os.environ.get("KATA_MANIFEST") or ROOT / "grader" / "track.toml")
FORMAT_VERSION = 1


class ManifestError(Exception):
    """The manifest cannot be read or does not describe a valid track."""


class SelectionError(Exception):
    """The learner asked for an exercise the track does not have."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Task(_Frozen):
    """One numbered task of an exercise, as its README states it."""

    #: The task's number within its exercise, from 1, as in the README's headings.
    number: Annotated[int, Field(ge=1)]
    #: The task's title, as in the README.
    title: Annotated[str, Field(min_length=1)]
    #: Hints from a gentle nudge to a specific pointer; never the whole answer.
    hints: Annotated[tuple[str, ...], Field(min_length=1)]


class Exercise(_Frozen):
    """One exercise: a folder in `exercises/`, its twin in `solutions/` and its specs."""

    #: Position in the track; the folder name starts with it, zero-padded to two digits.
    number: Annotated[int, Field(ge=1, le=99)]
    #: The rest of the folder name: lower case words joined by underscores.
    slug: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    #: What the scorecard calls the exercise.
    title: Annotated[str, Field(min_length=1)]
    difficulty: Literal["beginner", "intermediate", "advanced"]
    #: Full marks for the exercise; each spec is worth an equal share.
    points: Annotated[int, Field(ge=1)]
    #: Where the ASGI app lives inside the exercise folder, as `module:attribute`.
    app: Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")] = "main:app"
    #: The exercise's tasks, numbered from 1 without gaps.
    tasks: Annotated[tuple[Task, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _tasks_numbered_in_order(self) -> Exercise:
        numbers = [task.number for task in self.tasks]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"tasks must be numbered 1, 2, 3, … in order, got {numbers}")
        return self

    @property
    def name(self) -> str:
        """The folder name shared by `exercises/`, `solutions/` and `grader/specs/`."""
        return f"{self.number:02d}_{self.slug}"

    def task(self, number: int) -> Task | None:
        """The task with this number, if the exercise has one."""
        return next((task for task in self.tasks if task.number == number), None)


class Track(_Frozen):
    """The whole track, in order."""

    format_version: Literal[1]
    exercises: tuple[Exercise, ...]

    @model_validator(mode="after")
    def _unique_and_ordered(self) -> Track:
        numbers = [exercise.number for exercise in self.exercises]
        if numbers != sorted(set(numbers)):
            raise ValueError(f"exercise numbers must be unique and in order, got {numbers}")
        slugs = [exercise.slug for exercise in self.exercises]
        if len(set(slugs)) != len(slugs):
            raise ValueError("exercise slugs must be unique")
        return self

    def get(self, name: str) -> Exercise:
        """The exercise named by its folder name, as a spec folder is."""
        for exercise in self.exercises:
            if exercise.name == name:
                return exercise
        raise SelectionError(f"no exercise named {name!r} in the track")

    def select(self, queries: Iterable[str]) -> list[Exercise]:
        """The exercises named by number (`5`, `05`), slug (`crud`), folder name
        (`05_crud`), a unique prefix of a slug (`jwt`, `rate`) or a word of one (`upload`),
        in track order. Every command that takes an exercise names it this way.

        No query selects the whole track.
        """
        queries = list(queries)
        if not queries:
            return list(self.exercises)
        chosen: set[int] = set()
        for query in queries:
            chosen.add(self.find(query).number)
        return [exercise for exercise in self.exercises if exercise.number in chosen]

    def find(self, query: str) -> Exercise:
        """The one exercise `query` names (see `select`); else a `SelectionError` that says
        which exercises it could mean."""
        wanted = query.strip().lower().replace("-", "_").replace(" ", "_")
        for exercise in self.exercises:
            if wanted.isdigit() and int(wanted) == exercise.number:
                return exercise
            if wanted in (exercise.slug, exercise.name):
                return exercise
        matches = [
            exercise
            for exercise in self.exercises
            if wanted
            and (
                exercise.slug.startswith(wanted)
                or exercise.name.startswith(wanted)
                or wanted in exercise.slug.split("_")
            )
        ]
        if len(matches) == 1:
            return matches[0]
        how = f"`{shell('list')}` shows them; use a number such as 05 or a slug such as crud"
        if matches:
            which = ", ".join(exercise.name for exercise in matches)
            raise SelectionError(f"{query!r} could be any of {which}: name one ({how})")
        names = [exercise.name for exercise in self.exercises]
        close = difflib.get_close_matches(wanted, names + [e.slug for e in self.exercises], n=1)
        suggestion = f"; did you mean {close[0]!r}?" if close else ""
        raise SelectionError(f"no exercise {query!r} in the track{suggestion} ({how})")


def load_track(path: Path = MANIFEST) -> Track:
    """Read and validate the manifest; every problem becomes one `ManifestError` line."""
    shown = _shown(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(
            f"{shown}: file not found; restore it with `git checkout -- {shown}`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{shown}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{shown}: not valid TOML ({exc})") from None
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise ManifestError(
            f"{shown}: format_version is {version!r}, this grader reads {FORMAT_VERSION}; "
            "update the grader or the manifest"
        )
    try:
        return Track.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = _location(data, error["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ManifestError(f"{shown}: {where}: {error['msg']}{more}") from None


def _location(data: object, loc: tuple[int | str, ...]) -> str:
    """`exercises[2] (05_crud).tasks[0].hints` rather than pydantic's bare tuple."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            parts[-1] += f"[{key}]"
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and "number" in node and "slug" in node:
                parts[-1] += f" ({node['number']:02d}_{node['slug']})"
        else:
            parts.append(key)
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "top level"


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)
