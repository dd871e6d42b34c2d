"""Importing a learner's app afresh, as if for the first time, and forgetting it afterwards.

Every spec gets its own import of the learner's modules, made with the spec's own environment
and working directory, so settings read at import time, module-level engines and caches never
leak from one spec into the next. Nothing is written into the learner's folder: modules found
there are loaded by a loader that never writes `__pycache__`, while every other module keeps its
bytecode cache (recompiling the libraries on every run would cost more than the specs do).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, ModuleType
from typing import TYPE_CHECKING, Any

from grader import events
from grader.messages import describe_exception, located

if TYPE_CHECKING:
    from typing_extensions import Buffer

#: Folders whose modules must load without writing bytecode: the learners' folders.
_READ_ONLY: set[str] = set()
#: Per learner's folder, the modules already seen to lie outside it, by name.
_OUTSIDE: dict[str, dict[str, ModuleType]] = {}


#: Code of the learners' modules, by file and content: each spec imports the app afresh, and
#: compiling the same source again (milliseconds for a big module) gives the same code.
_COMPILED: dict[tuple[str, bytes], CodeType | None] = {}


class _ReadOnlySourceLoader(importlib.machinery.SourceFileLoader):
    """Loads a module from source (or a cache already there) and never writes a cache file."""

    def set_data(self, path: str, data: Buffer, *, _mode: int = 0o666) -> None:
        return None

    def get_code(self, fullname: str) -> CodeType | None:
        path = self.get_filename(fullname)
        key = (path, self.get_data(path))
        if key not in _COMPILED:
            _COMPILED[key] = super().get_code(fullname)
        return _COMPILED[key]


def _read_only_finder(path: str) -> importlib.machinery.FileFinder:
    """A path hook that claims the learners' folders and passes on every other path."""
    full = os.path.abspath(path)
    if not any(full == root or full.startswith(root + os.sep) for root in _READ_ONLY):
        raise ImportError("not a learner's folder")
    return importlib.machinery.FileFinder(
        full, (_ReadOnlySourceLoader, importlib.machinery.SOURCE_SUFFIXES)
    )


sys.path_hooks.insert(0, _read_only_finder)


def protect(folder: Path) -> None:
    """From now on, importing from `folder` (or below it) writes nothing into it."""
    root = str(folder.resolve())
    if root not in _READ_ONLY:
        _READ_ONLY.add(root)
        for cached in list(sys.path_importer_cache):
            if os.path.abspath(cached).startswith(root):
                del sys.path_importer_cache[cached]


class AppImportError(Exception):
    """The learner's app cannot be imported; the message says why and where."""


class AppNotFound(AppImportError):
    """The module imported, but the app object it should define is not there."""


@dataclass(frozen=True)
class LoadedApp:
    """A learner's app and the module that defines it."""

    app: Any
    module: ModuleType


def forget_modules(folder: Path) -> None:
    """Drop every imported module whose file lies inside `folder`, so the next import is fresh."""
    # The folder goes on sys.path as an absolute path, so its modules' files start with it.
    prefix = str(folder.resolve()) + os.sep
    # Every spec calls this twice over thousands of modules: each is looked at once per folder.
    outside = _OUTSIDE.setdefault(prefix, {})
    for name, module in list(sys.modules.items()):
        if outside.get(name) is module:
            continue
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and file.startswith(prefix):
            del sys.modules[name]
        else:
            outside[name] = module
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
    protect(folder)
    forget_modules(folder)
    sys.path.insert(0, str(folder))
    try:
        events.phase(events.IMPORT)
        try:
            module = importlib.import_module(module_name)
        except SystemExit as exit:
            raise AppImportError(
                f"importing {module_name} called an exit ({exit.code!r}){located(exit, folder)}"
            ) from None
        except (Exception, KeyboardInterrupt) as error:  # KeyboardInterrupt: the app's own
            raise AppImportError(
                f"importing {module_name} raised {describe_exception(error, folder)}"
            ) from error
        events.phase(events.RUN)
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
