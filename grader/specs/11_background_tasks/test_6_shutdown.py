"""Task 6: a shutdown lets running jobs finish and fails the pending ones; a startup fails what a
crash left unfinished; every run of the lifespan has a pool of its own."""

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from grader.kit import SpecClient, fail
from grader.messages import clip

pytestmark = pytest.mark.task(6)

Jobs = Any
Documents = Callable[..., list[str]]

#: Seconds a held conversion stays held once the shutdown has begun: a shutdown that does not
#: wait for it finishes well within that, one that waits cannot finish before it is let go.
GRACE = 0.5


def expect_row(jobs: Jobs, job: Any, status: str, when: str, **values: Any) -> None:
    row = jobs.row(job)
    wanted = {"status": status, **values}
    found = {name: row.get(name) for name in wanted}
    if found != wanted:
        shown = {name: clip(repr(value), 60) for name, value in found.items()}
        raise fail(f"{when}, job {job.id} is saved as {shown}, expected {wanted}")


async def expect_job(
    jobs: Jobs, client: SpecClient, job: Any, when: str, **expected: str | None
) -> None:
    body = await jobs.get(client, job.id)
    found = {name: body.get(name) for name in expected}
    if found != expected:
        raise fail(f"GET {job.path} {when} → {clip(str(body), 160)}, expected {expected}")


@pytest.mark.env(JOB_WORKERS="1")
@pytest.mark.rule("running-finish", "pending-interrupted", "no-start-after-shutdown")
async def test_shutdown_waits_for_running_jobs_and_fails_pending_ones(
    service: Any, client: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """At shutdown a running job finishes and is saved done; a pending one never starts."""
    converter.hold()
    first, second = documents(2)
    running = await jobs.submit(client, first)
    pending = await jobs.submit(client, second)
    (held,) = await jobs.entered(converter, 1, "after two POST /conversions (JOB_WORKERS=1)")
    await jobs.wait(client, pending, "pending")
    # A job that starts during the shutdown must show, not wait.
    converter.holding = False
    early: list[bool] = []

    def let_go_after_grace() -> None:
        early.append(service.stopped.wait(GRACE))
        converter.let_go(held)

    watcher = threading.Thread(target=let_go_after_grace, daemon=True)
    watcher.start()
    await service.stop()
    # The watcher saw the stop or let the conversion go: either way it has its answer now.
    await asyncio.to_thread(watcher.join)
    if early[0]:
        raise fail(
            "the shutdown finished while a job's conversion was still running: it must wait for "
            "running jobs, and save how they ended"
        )
    if second in converter.markdowns():
        raise fail("a job that was pending when the shutdown began was converted during it")
    when = "after the shutdown"
    expect_row(jobs, running, "done", when, result=converter.result_for(first), error=None)
    expect_row(jobs, pending, "failed", when, error="interrupted", result=None)
    await service.start()
    when = "after a restart"
    await expect_job(jobs, client, running, when, status="done", result=converter.result_for(first))
    await expect_job(jobs, client, pending, when, status="failed", error="interrupted", result=None)
    if converter.markdowns() != [first]:
        raise fail("after a restart, the job that was pending at the shutdown was converted")


@pytest.mark.rule("startup-interrupted")
async def test_startup_fails_what_a_crash_left_unfinished(
    service: Any, client: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """Jobs saved as pending or running when the app starts become failed, "interrupted"."""
    sent = documents(4)
    submitted = [await jobs.submit(client, markdown) for markdown in sent]
    for job in submitted:
        await jobs.wait(client, job, "done")
    await service.stop()
    running, pending, failed, done = submitted
    jobs.set_status(running, "running", result=None)
    jobs.set_status(pending, "pending", result=None)
    jobs.set_status(failed, "failed", result=None, error="line 1: kept as it was")
    await service.start()
    when = "right after a start (the job was left running by a crash)"
    await expect_job(jobs, client, running, when, status="failed", error="interrupted", result=None)
    when = "right after a start (the job was left pending by a crash)"
    await expect_job(jobs, client, pending, when, status="failed", error="interrupted", result=None)
    when = "after a restart"
    await expect_job(jobs, client, failed, when, status="failed", error="line 1: kept as it was")
    await expect_job(jobs, client, done, when, status="done", result=converter.result_for(sent[3]))
    if len(converter.calls) != 4:
        raise fail("after a restart, a job that a crash left unfinished was converted again")


@pytest.mark.rule("fresh-pool")
async def test_app_converts_again_after_a_restart(
    service: Any, client: SpecClient, jobs: Jobs, converter: Any, documents: Documents
) -> None:
    """After a stop and a start, new jobs are accepted and converted, and old ones are kept."""
    first, second, third = documents(3)
    before = await jobs.submit(client, first)
    await jobs.wait(client, before, "done")
    for markdown in (second, third):
        await service.stop()
        await service.start()
        job = await jobs.submit(client, markdown)
        body = await jobs.wait(client, job, "done", why="(submitted after a restart)")
        if body["result"] != converter.result_for(markdown):
            raise fail(f"GET {job.path} after a restart → {clip(str(body), 120)}")
    await expect_job(jobs, client, before, "after two restarts", status="done")
