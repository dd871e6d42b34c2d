"""Importing a learner's app afresh, as if for the first time, and forgetting it afterwards.

Every spec gets its own import of the learner's modules, made with the spec's own environment
and working directory, so settings read at import time, module-level engines and caches never
leak from one spec into the next. Nothing is written into the learner's folder: bytecode caching
is off for every import made here.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

# Learners' folders stay byte-for-byte as they were: no __pycache__ appears in them.
sys.dont_write_bytecode = True


class AppNotFound(Exception):
    """The module imported, but the app object it should define is not there."""


@dataclass(frozen=True)
class LoadedApp:
    """A learner's app and the module that defines it."""

    app: Any
    module: ModuleType


def forget_modules(folder: Path) -> None:
    """Drop every imported module whose file lies inside `folder`, so the next import is fresh."""
    prefix = str(folder.resolve()) + os.sep
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and os.path.abspath(file).startswith(prefix):
            del sys.modules[name]
    importlib.invalidate_caches()


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then put every one of them back."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """Run the block in `path`, so files an app opens by relative path land there."""
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@contextmanager
def loaded_app(folder: Path, spec: str = "main:app") -> Iterator[LoadedApp]:
    """Import `module:attribute` from `folder` afresh and yield it; forget it on the way out.

    The folder stays first on `sys.path` while the block runs, so imports that the app makes
    lazily (inside a function, on first request) still find the learner's modules.
    """
    module_name, _, attribute = spec.partition(":")
    folder = folder.resolve()
    forget_modules(folder)
    sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module(module_name)
        try:
            app = getattr(module, attribute)
        except AttributeError:
            raise AppNotFound(
                f"{module_name.replace('.', '/')}.py defines no `{attribute}`; "
                f"the grader imports the app as `{spec}`"
            ) from None
        yield LoadedApp(app=app, module=module)
    finally:
        try:
            sys.path.remove(str(folder))
        except ValueError:
            pass
        forget_modules(folder)
