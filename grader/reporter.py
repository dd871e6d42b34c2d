"""The pytest plugin a grading process runs the specs with: it streams every result to the grader.

It follows Exercism's test runner: pytest runs in-process with this object as a plugin, results
are recorded per phase (a failure outside the call phase is an error), specs keep their file
order, and each failure becomes a short message for the learner, never the spec's source.
"""

from __future__ import annotations

import faulthandler
import os
import re
import time
from collections.abc import Generator
from pathlib import Path

import pytest
from _pytest.outcomes import OutcomeException, Skipped

from grader import events
from grader.kit import AppCrashed, AppStartupError
from grader.loader import AppImportError
from grader.messages import clip, describe_exception, located, scrub
from grader.results import SpecStatus


class AppExit(SystemExit):
    """The app called `os._exit`; raised instead, so that the grading process lives on."""


class AppInterrupted(Exception):
    """The app raised KeyboardInterrupt: pytest would take it for Ctrl-C and stop everything."""


class Reporter:
    """Streams collection, starts and results as events; stops when the app cannot load."""

    def __init__(
        self,
        exercise_dir: Path,
        paths: dict[str, str],
        *,
        channel: int | None = None,
        dump_after: float | None = None,
    ) -> None:
        self.exercise_dir = exercise_dir
        self.paths = paths
        self.started = 0.0
        self.failures: dict[str, tuple[SpecStatus, str]] = {}
        #: Where there is no signal to ask for a stack dump with (Windows), each spec dumps its
        #: stacks to `channel` by itself when it runs for `dump_after` seconds.
        self.channel = channel
        self.dump_after = dump_after

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
        if self.dump_after is not None and self.channel is not None:
            faulthandler.dump_traceback_later(self.dump_after, file=self.channel)

    @pytest.hookimpl
    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        if self.dump_after is not None:
            faulthandler.cancel_dump_traceback_later()

    # A KeyboardInterrupt raised by the app is the app's error, not Ctrl-C: pytest would stop the
    # whole session without a result, and a fresh process would run the same spec again.
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        return (yield from self._interrupted())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        return (yield from self._interrupted())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        return (yield from self._interrupted())

    def _interrupted(self) -> Generator[None, None, None]:
        try:
            yield
        except KeyboardInterrupt as error:
            raise AppInterrupted(describe_exception(error, self.exercise_dir)) from None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> pytest.TestReport | None:
        """The report of a failure, with the learner's message as its whole text.

        pytest's own report formats the traceback with source lines, through every frame of the
        framework: most of the cost of a spec whose request makes the app raise, for text the
        grader throws away. Passes and skips are left to pytest.
        """
        excinfo = call.excinfo
        if excinfo is None or isinstance(excinfo.value, Skipped):
            return None
        error = excinfo.value
        if item.nodeid not in self.failures:  # the first failure explains the spec
            status = SpecStatus.FAILED if call.when == "call" else SpecStatus.ERROR
            message = self._message(error)
            if status is SpecStatus.FAILED:
                message = explain_control(str(_describe(item)["description"]), message)
            self.failures[item.nodeid] = (status, self._clean(message))
            # Every spec imports the app and starts it in its setup: a failure there would meet
            # every spec again, so say it once, and stop. (A spec may start a second app with
            # other settings in its body; that failure is the spec's alone.)
            starting = isinstance(error, AppStartupError) and call.when == "setup"
            if isinstance(error, AppImportError) or starting:
                events.emit("fatal", status="error", message=self._clean(str(error)))
                item.session.shouldstop = "the app cannot be imported or started"
        assert call.when != "collect"
        return pytest.TestReport(
            item.nodeid,
            item.location,
            dict.fromkeys(item.keywords, 1),
            "failed",
            self.failures[item.nodeid][1],
            call.when,
            [],
            call.duration,
            call.start,
            call.stop,
            user_properties=item.user_properties,
        )

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
        if isinstance(error, AppInterrupted):
            return f"the app raised {error}"
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


#: A failed expectation of a success: `GET /books/12 → expected 200, got 404`.
_EXPECTED_SUCCESS = re.compile(r"→ expected 2\d\d\b")
_STATUS = re.compile(r"\b[2-5]\d\d\b")
#: Specs whose point includes a success: a failed success is what they are about.
_ABOUT_SUCCESS = re.compile(r"\b(succeeds?|accepts?|allowed)\b", re.IGNORECASE)


def explain_control(description: str, message: str) -> str:
    """Say so when the failure is that of a guard spec's control request.

    A guard spec ("answers 404 for an id that does not exist") first makes a request that must
    succeed (the id before it exists), so that the answer it is about means something. When that
    control fails, its bare message (`expected 200, got 404`) reads as a contradiction of the
    spec's own line; it is the control that failed, and the message says so.
    """
    codes = {int(code) for code in _STATUS.findall(description)}
    guarded = sorted(code for code in codes if code >= 400)
    if not guarded or any(code < 300 for code in codes) or _ABOUT_SUCCESS.search(description):
        return message
    if not _EXPECTED_SUCCESS.search(message):
        return message
    point = " or ".join(str(code) for code in guarded)
    return (
        f"control request failed: {message} (this spec checks the {point} only once a request "
        "that must succeed does)"
    )


def _assertion_message(error: AssertionError) -> str:
    # pytest appends its own explanation ("assert 200 == 201 ...") to the spec's message:
    # that is the spec's source, which the learner is not shown.
    kept = []
    for line in str(error).splitlines():
        if line.startswith("assert "):
            break
        kept.append(line)
    return "\n".join(kept).strip() or "the response is not what the README asks for"
