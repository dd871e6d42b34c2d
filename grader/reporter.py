"""The pytest plugin a grading process runs the specs with: it streams every result to the grader.

It follows Exercism's test runner: pytest runs in-process with this object as a plugin, results
are recorded per phase (a failure outside the call phase is an error), specs keep their file
order, and each failure becomes a short message for the learner, never the spec's source.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from pathlib import Path

import pytest
from _pytest.outcomes import OutcomeException

from grader import events
from grader.kit import AppCrashed, AppStartupError
from grader.loader import AppImportError
from grader.messages import clip, describe_exception, located, scrub
from grader.results import SpecStatus


class AppExit(SystemExit):
    """The app called `os._exit`; raised instead, so that the grading process lives on."""


class Reporter:
    """Streams collection, starts and results as events; stops when the app cannot load."""

    def __init__(self, exercise_dir: Path, paths: dict[str, str]) -> None:
        self.exercise_dir = exercise_dir
        self.paths = paths
        self.started = 0.0
        self.failures: dict[str, tuple[SpecStatus, str]] = {}

    @pytest.hookimpl
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            message = f"the grader could not load its specs: {report.longreprtext}"
            events.emit("fatal", status="error", message=self._clean(message))

    @pytest.hookimpl
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        events.emit("collected", specs=[_describe(item) for item in session.items])

    @pytest.hookimpl
    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.started = time.perf_counter()
        events.emit("start", id=nodeid)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report: pytest.TestReport = yield
        if call.excinfo is None or report.passed or item.nodeid in self.failures:
            return report  # the first failure explains the spec; later ones are its echo
        error = call.excinfo.value
        status = SpecStatus.FAILED if call.when == "call" else SpecStatus.ERROR
        self.failures[item.nodeid] = (status, self._clean(self._message(error)))
        # Every spec imports the app and starts it in its setup: a failure there would meet
        # every spec again, so say it once, and stop. (A spec may start a second app with other
        # settings in its body; that failure is the spec's alone.)
        starting = isinstance(error, AppStartupError) and call.when == "setup"
        if isinstance(error, AppImportError) or starting:
            events.emit("fatal", status="error", message=self._clean(str(error)))
            item.session.shouldstop = "the app cannot be imported or started"
        return report

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        status, message = self.failures.pop(report.nodeid, (SpecStatus.PASSED, None))
        events.emit(
            "result",
            id=report.nodeid,
            status=status.value,
            message=message,
            duration=round(time.perf_counter() - self.started, 4),
        )

    def _message(self, error: BaseException) -> str:
        if isinstance(error, (AppCrashed, AppImportError)):
            return str(error)
        if isinstance(error, AssertionError):
            return _assertion_message(error)
        if isinstance(error, OutcomeException):
            return error.msg or type(error).__name__
        if isinstance(error, SystemExit):
            how = "os._exit" if isinstance(error, AppExit) else "sys.exit"
            return f"the app called {how}({error.code!r}){located(error, self.exercise_dir)}"
        return describe_exception(error, self.exercise_dir)

    def _clean(self, text: str) -> str:
        return clip(scrub(text, self.paths))


class Hold:
    """Keeps a prepared grading process waiting between loading its specs and running them,
    until the grader writes a byte to `fd`; if the grader closes it instead, nothing runs."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        try:
            word = os.read(self.fd, 1)
        except OSError:
            word = b""
        finally:
            os.close(self.fd)
        return None if word else True  # True: the loop is done, without a spec


def _describe(item: pytest.Item) -> dict[str, object]:
    marker = item.get_closest_marker("task")
    doc = getattr(getattr(item, "obj", None), "__doc__", None) or item.name
    description = doc.strip().splitlines()[0].strip()
    callspec = getattr(item, "callspec", None)
    if callspec is not None:  # one docstring, several cases: say which case this is
        description = f"{description} [{callspec.id}]"
    rules = [str(rule) for mark in item.iter_markers("rule") for rule in mark.args]
    return {
        "id": item.nodeid,
        "name": item.name,
        "description": description,
        "task": int(marker.args[0]) if marker and marker.args else 0,
        "rules": list(dict.fromkeys(rules)),
    }


def _assertion_message(error: AssertionError) -> str:
    # pytest appends its own explanation ("assert 200 == 201 ...") to the spec's message:
    # that is the spec's source, which the learner is not shown.
    kept = []
    for line in str(error).splitlines():
        if line.startswith("assert "):
            break
        kept.append(line)
    return "\n".join(kept).strip() or "the response is not what the README asks for"
