"""Task 3: jobs are converted in a pool of JOB_WORKERS threads, oldest first, never on the event
loop, and a POST never waits for its conversion."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from grader.kit import SpecClient, call, expect_object, fail
from grader.messages import clip

pytestmark = pytest.mark.task(3)

Jobs = Any
Documents = Callable[..., list[str]]


async def expect_status_of(jobs: Jobs, client: SpecClient, job: Any, status: str, why: str) -> None:
    body = await jobs.get(client, job.id)
    if body["status"] != status:
        raise fail(f"GET {job.path} → status {body['status']} {why}, expected {status}")


async def still(jobs: Jobs, fake: Any, count: int, why: str) -> None:
    """Look a few times that no more than `count` calls have started."""
    for _ in range(10):
        await asyncio.sleep(0.005)
        if len(fake.calls) > count:
            raise fail(
                f"{len(fake.calls)} conversions ran at the same time {why}, expected {count} "
                "at most"
            )


@pytest.mark.env(JOB_WORKERS="1")
@pytest.mark.rule("running-then-done", "hooks")
async def test_job_goes_pending_running_done(
    client: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """A job is pending while it waits, running while converted, then done with the result."""
    converter.hold()
    first, second = documents(2)
    one = await jobs.submit(client, first)
    two = await jobs.submit(client, second)
    (held,) = await jobs.entered(converter, 1, "after two POST /conversions (JOB_WORKERS=1)")
    await expect_status_of(jobs, client, one, "running", "while its conversion runs")
    await expect_status_of(jobs, client, two, "pending", "while the only worker is busy")
    converter.let_go(held)
    body = await jobs.wait(client, one, "done", why="once its conversion returned")
    if body["result"] != converter.result_for(first) or body["error"] is not None:
        raise fail(
            f"GET {one.path} → {clip(str(body), 160)}, expected the converter's HTML as result "
            "(the converter of get_converter) and error null"
        )
    calls = await jobs.entered(converter, 2, "once the first job was done")
    await expect_status_of(jobs, client, two, "running", "while its conversion runs")
    converter.let_go(calls[1])
    body = await jobs.wait(client, two, "done", why="once its conversion returned")
    if body["result"] != converter.result_for(second):
        raise fail(f"GET {two.path} → result {clip(repr(body['result']), 80)}, not the converter's")


@pytest.mark.rule("post-never-waits")
async def test_post_answers_before_the_conversion(
    client: SpecClient, jobs: Jobs, converter: Any
) -> None:
    """POST /conversions answers 202 while its conversion is held, not after it."""
    converter.hold()
    job = await jobs.submit(client, "# Long document")
    finished = converter.finished()
    if finished:
        waited = " (the converter held it for seconds, and the 202 waited)" * finished[0].gave_up
        raise fail(
            f"{call(job.response)} → the 202 came only after the conversion had finished"
            f"{waited}: the response must not wait for the work"
        )
    converter.let_go_all()
    await jobs.wait(client, job, "done")


@pytest.mark.rule("converter-off-loop")
async def test_converter_is_called_off_the_event_loop(
    client: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """The converter blocks, so it runs in a worker thread, never on the event loop's thread."""
    submitted = [await jobs.submit(client, markdown) for markdown in documents(2)]
    for job in submitted:
        await jobs.wait(client, job, "done", "failed")
    if converter.on_loop():
        raise fail(
            f"{call(submitted[0].response)} → the converter was called on the event loop's "
            "thread (from async def code): while it blocks, no other request is answered"
        )


@pytest.mark.rule("converter-off-loop", "health", "answers-while-busy")
async def test_api_answers_while_every_worker_is_busy(
    client: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """With every worker busy, GET of a job, GET /health and a new POST answer at once."""
    converter.hold()
    first, second, third = documents(3)
    one = await jobs.submit(client, first)
    await jobs.submit(client, second)
    await jobs.entered(converter, 2, "after two POST /conversions (JOB_WORKERS=2)")
    health = expect_object(await client.get("/health"), 200, "status")
    if health != {"status": "ok"}:
        raise fail(f'GET /health → {health}, expected {{"status": "ok"}}')
    await expect_status_of(jobs, client, one, "running", "while its conversion runs")
    three = await jobs.submit(client, third)
    await expect_status_of(jobs, client, three, "pending", "while both workers are busy")
    if converter.on_loop():
        raise fail("the converter was called on the event loop's thread (from async def code)")
    converter.let_go_all()
    await jobs.wait(client, three, "done")


@pytest.mark.rule("at-most-workers", "job-workers")
async def test_at_most_job_workers_run_at_once(
    client: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """With JOB_WORKERS=2 and three jobs, two convert and one waits until a worker is free."""
    converter.hold()
    sent = documents(3)
    submitted = [await jobs.submit(client, markdown) for markdown in sent]
    calls = await jobs.entered(converter, 2, "after three POST /conversions (JOB_WORKERS=2)")
    await still(jobs, converter, 2, "with JOB_WORKERS=2")
    started = {made.argument for made in calls}
    (third,) = [
        job for job, markdown in zip(submitted, sent, strict=True) if markdown not in started
    ]
    await expect_status_of(jobs, client, third, "pending", "while both workers are busy")
    converter.let_go(calls[0])
    calls = await jobs.entered(converter, 3, "once one of the two conversions returned")
    await still(jobs, converter, 3, "after one of three jobs finished (JOB_WORKERS=2)")
    converter.let_go_all()
    for job in submitted:
        await jobs.wait(client, job, "done")


@pytest.mark.env(JOB_WORKERS="3")
@pytest.mark.rule("at-most-workers", "job-workers")
async def test_job_workers_conversions_run_at_once(
    client: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """With JOB_WORKERS=3 and four jobs, three convert at the same time and the fourth waits."""
    converter.hold()
    submitted = [await jobs.submit(client, markdown) for markdown in documents(4)]
    await jobs.entered(converter, 3, "at the same time, after four POST (JOB_WORKERS=3)")
    await still(jobs, converter, 3, "with JOB_WORKERS=3")
    await expect_status_of(jobs, client, submitted[3], "pending", "while three workers are busy")
    converter.let_go_all()
    for job in submitted:
        await jobs.wait(client, job, "done")


@pytest.mark.env(JOB_WORKERS="1")
@pytest.mark.rule("fifo")
async def test_jobs_start_in_the_order_they_were_accepted(
    client: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """The oldest pending job is the next to run: four jobs are converted in the order sent."""
    converter.hold()
    sent = documents(4)
    for markdown in sent:
        await jobs.submit(client, markdown)
    for count in range(1, 5):
        calls = await jobs.entered(converter, count, "one at a time (JOB_WORKERS=1)")
        order = [made.argument for made in calls]
        if order != sent[:count]:
            numbers = [sent.index(markdown) + 1 for markdown in order]
            raise fail(
                f"4 jobs accepted in order 1, 2, 3, 4 → converted in order "
                f"{', '.join(map(str, numbers))}: the oldest pending job runs next"
            )
        converter.let_go(calls[-1])


@pytest.mark.rule("converted-once", "hooks")
async def test_each_job_is_converted_once_with_its_own_markdown(
    client: SpecClient, jobs: Jobs, converter: Any
) -> None:
    """Each job is converted exactly once, with its markdown as sent, and keeps its own result."""
    converter.hold()
    first, second = "# First\r\n\n  indented  \n", "# Second\n\n*emphasis*   "
    one = await jobs.submit(client, first)
    two = await jobs.submit(client, second)
    calls = await jobs.entered(converter, 2, "after two POST /conversions (JOB_WORKERS=2)")
    # The second returns first: each result must still land on its own job.
    converter.let_go(*[made for made in calls if made.argument == second])
    await jobs.wait(client, two, "done")
    converter.let_go_all()
    for job, markdown in ((one, first), (two, second)):
        body = await jobs.wait(client, job, "done")
        if body["result"] != converter.result_for(markdown):
            raise fail(
                f"GET {job.path} → result {clip(repr(body['result']), 80)}, expected the "
                "converter's result for this job's own markdown"
            )
    await asyncio.sleep(0.01)
    if sorted(converter.markdowns()) != sorted([first, second]):
        shown = [clip(repr(markdown), 40) for markdown in converter.markdowns()]
        raise fail(
            f"2 jobs → the converter was called with {', '.join(shown)}: expected each job's "
            "markdown, exactly as sent, once"
        )
