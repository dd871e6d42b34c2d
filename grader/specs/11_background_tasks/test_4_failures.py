"""Task 4: a conversion that raises fails its job, with a message fit for its user; nothing
escapes, and the workers go on."""

from collections.abc import Callable
from typing import Any

import pytest

from grader.kit import SpecClient, call, fail
from grader.messages import clip

pytestmark = pytest.mark.task(4)

Jobs = Any
Documents = Callable[..., list[str]]


def expect_failed(body: dict[str, Any], path: str, error: str) -> None:
    if body["error"] != error or body["result"] is not None:
        raise fail(
            f"GET {path} → the failed job shows error {clip(repr(body['error']), 80)} and result "
            f"{clip(repr(body['result']), 40)}, expected {error!r} and null"
        )


def expect_no_escape(watch: Any, what: str) -> None:
    escapes = watch.escapes()
    if escapes:
        raise fail(
            f"{what} → an exception escaped the app, which a server logs as unhandled: {escapes[0]}"
        )


@pytest.mark.rule("conversion-error-message", "failed-never-done", "failure-contained")
async def test_conversion_error_fails_the_job_with_its_message(
    client: SpecClient,
    jobs: Jobs,
    converter: Any,
    watch: Any,
    conversion_error: type[Exception],
) -> None:
    """A ConversionError makes the job failed, with the exception's message as its error."""
    markdown = "# Report\n\n```\nnever closed"
    message = "line 3: the code block is never closed"
    converter.fail(markdown, conversion_error(message))
    job = await jobs.submit(client, markdown)
    body = await jobs.wait(client, job, "failed", why="(its converter raised ConversionError)")
    expect_failed(body, job.path, message)
    expect_no_escape(watch, f"{call(job.response)}, whose conversion raised ConversionError")


@pytest.mark.rule(
    "internal-error",
    "failed-never-done",
    "error-message-hidden",
    "failure-logged",
    "failure-contained",
)
async def test_other_exceptions_fail_the_job_as_internal_error(
    client: SpecClient, jobs: Jobs, converter: Any, watch: Any
) -> None:
    """Any other exception: failed, "internal error", logged with its traceback, never shown."""
    markdown = "# Quarterly numbers"
    error = RuntimeError("disk full at /srv/kata-secret-7f3a/tmp")
    converter.fail(markdown, error)
    job = await jobs.submit(client, markdown)
    body = await jobs.wait(client, job, "failed", why="(its converter raised RuntimeError)")
    expect_failed(body, job.path, "internal error")
    response = await client.get(job.path)
    if "kata-secret-7f3a" in response.text:
        raise fail(f"{call(response)} → the response shows the exception's message: {error}")
    await jobs.until(
        lambda: watch.logged(error) or bool(watch.escapes(collect=False)),
        f"{call(job.response)}, whose conversion raised RuntimeError → the app did not log it "
        "with its traceback (logger.exception(...), level WARNING or above)",
    )
    expect_no_escape(watch, f"{call(job.response)}, whose conversion raised RuntimeError")


@pytest.mark.env(JOB_WORKERS="1")
@pytest.mark.rule("workers-go-on")
async def test_workers_go_on_after_failures(
    client: SpecClient,
    jobs: Jobs,
    converter: Any,
    conversion_error: type[Exception],
    documents: Documents,
) -> None:
    """After conversions that raise, the next jobs are converted as usual (JOB_WORKERS=1)."""
    broken, invalid, fine = documents(3)
    converter.fail(broken, KeyError("internal"))
    converter.fail(invalid, conversion_error("line 1: not a document"))
    submitted = [await jobs.submit(client, markdown) for markdown in (broken, invalid, fine)]
    await jobs.wait(client, submitted[0], "failed")
    await jobs.wait(client, submitted[1], "failed")
    await jobs.wait(client, submitted[2], "done", why="(two failures before it stop nothing)")
    again = await jobs.submit(client, fine + "\n\nagain")
    await jobs.wait(client, again, "done")
