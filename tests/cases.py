"""Cases the kata's tests build from a real exercise folder: a copy, then edits by exact text.

Golden cases (`tests/golden/`) and wrong implementations (`tests/wrong/`) are both written as edits
of a folder the repository already has, so they follow it when it changes, and an edit that no
longer applies fails loudly instead of testing something else.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT, copy_tree

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def read_case(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    return data


def apply_edits(
    folder: Path, edits: list[dict[str, Any]], *, default_file: str = "main.py"
) -> None:
    """Apply `[[replace]]` edits: `file` (default main.py), and `old` text or a regex `pattern`,
    replaced once by `new`."""
    for edit in edits:
        path = folder / edit.get("file", default_file)
        assert path.is_file(), f"edit names a file the folder does not have: {edit}"
        text = path.read_text(encoding="utf-8")
        if "pattern" in edit:
            text, count = re.subn(edit["pattern"], edit["new"], text, count=1, flags=re.DOTALL)
        else:
            count = text.count(edit["old"])
            text = text.replace(edit["old"], edit["new"], 1)
        assert count >= 1, f"edit no longer applies to {folder.name}/{path.name}: {edit}"
        path.write_text(text, encoding="utf-8")


def build(base: str, exercise: str, edits: list[dict[str, Any]], target: Path) -> Path:
    """`target/exercise`: a copy of `base/exercise` (base is `solutions` or `exercises`), edited."""
    folder = copy_tree(ROOT / base / exercise, target / exercise)
    apply_edits(folder, edits)
    return folder
