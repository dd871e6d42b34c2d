"""Task 2: a receipt for every new job, sent after the response, off the event loop; a mail
failure is logged and goes no further."""

from collections.abc import Callable
from typing import Any

import pytest

from grader.kit import SpecClient, call, fail
from grader.messages import clip

pytestmark = pytest.mark.task(2)

Jobs = Any
Documents = Callable[..., list[str]]


def check_receipt(email: Any, to: str, path: str) -> None:
    fields = {name: getattr(email, name, None) for name in ("to", "subject", "body")}
    if fields["to"] != to or fields["subject"] != "Conversion received":
        raise fail(
            f"the receipt for {path} went to {clip(repr(fields['to']), 60)} with the subject "
            f"{clip(repr(fields['subject']), 60)}, expected {to!r} and 'Conversion received'"
        )
    if not isinstance(fields["body"], str) or path not in fields["body"]:
        raise fail(
            f"the receipt's body is {clip(repr(fields['body']), 120)}: it must hold the job's "
            f"path, {path}"
        )


@pytest.mark.rule("receipt-after-response", "receipt-to", "receipt-subject", "receipt-body")
async def test_receipt_is_sent_after_the_response(
    service: Any, client: SpecClient, jobs: Jobs, mailer: Any
) -> None:
    """POST /conversions answers 202 while its receipt is still being sent; then it arrives."""
    mailer.hold()
    job = await jobs.submit(client, "# Receipt, please")
    finished = mailer.finished()
    if finished:
        waited = " (the mailer held it for seconds, and the 202 waited)" * finished[0].gave_up
        raise fail(
            f"{call(job.response)} → the 202 came only after mailer.send had returned{waited}: "
            "the client must not wait for the mail server"
        )
    mailer.let_go_all()
    await service.settle()
    await jobs.until(lambda: len(mailer.sent) >= 1, f"{call(job.response)} → no receipt was sent")
    check_receipt(mailer.sent[0], "ada@example.com", job.path)


@pytest.mark.rule("receipt-to", "receipt-once")
async def test_every_new_job_gets_one_receipt_for_its_user(
    service: Any, client: SpecClient, ben: SpecClient, jobs: Jobs, mailer: Any
) -> None:
    """Each new job gets one receipt, to the email of the user who sent it."""
    sent = [
        (await jobs.submit(ben, "# Ben's"), "ben@example.com"),
        (await jobs.submit(client, "# Ada's first"), "ada@example.com"),
        (await jobs.submit(client, "# Ada's second"), "ada@example.com"),
    ]
    await service.settle()
    await jobs.until(lambda: len(mailer.sent) >= 3, f"{len(mailer.sent)} receipts for 3 new jobs")
    for job, to in sent:
        receipts = [email for email in mailer.sent if job.path in str(getattr(email, "body", ""))]
        if len(receipts) != 1:
            raise fail(
                f"{call(job.response)} → {len(receipts)} receipts for {job.path}, expected 1"
            )
        check_receipt(receipts[0], to, job.path)
    if len(mailer.sent) != 3:
        raise fail(f"3 new jobs → {len(mailer.sent)} receipts, expected 3")


@pytest.mark.rule("receipt-once")
async def test_no_receipt_without_a_new_job(
    service: Any, client: SpecClient, anonymous: SpecClient, jobs: Jobs, mailer: Any
) -> None:
    """A POST that answers 401 or 422 sends no receipt."""
    await anonymous.post("/conversions", json={"markdown": "# no token"})
    await client.post("/conversions", json={"markdown": ""})
    await client.post("/conversions", json={"text": "# no markdown"})
    await service.settle()
    if mailer.calls:
        raise fail(
            "POST /conversions answered 401 or 422 → the mailer was called "
            f"{len(mailer.calls)} times, expected never"
        )
    job = await jobs.submit(client, "# accepted")
    await service.settle()
    await jobs.until(lambda: len(mailer.sent) == 1, f"{call(job.response)} → no receipt was sent")


@pytest.mark.rule("mailer-off-loop")
async def test_mailer_is_called_off_the_event_loop(
    service: Any, client: SpecClient, jobs: Jobs, mailer: Any
) -> None:
    """mailer.send blocks, so it runs in a worker thread, never on the event loop's thread."""
    job = await jobs.submit(client, "# off the loop")
    await service.settle()
    await jobs.entered(mailer, 1, f"after {call(job.response)}")
    if mailer.on_loop():
        raise fail(
            f"{call(job.response)} → mailer.send was called on the event loop's thread (from "
            "async def code): while it blocks, no other request is answered"
        )


@pytest.mark.rule("mail-failure-logged", "mail-failure-contained")
async def test_mail_failure_is_logged_and_goes_no_further(
    service: Any,
    client: SpecClient,
    jobs: Jobs,
    mailer: Any,
    watch: Any,
    mail_error: type[Exception],
    documents: Documents,
) -> None:
    """A receipt that cannot be sent is logged with its traceback; the 202 and the job stand."""
    first, second = documents(2)
    for count, (error, markdown) in enumerate(
        (
            (mail_error("the mail server is down"), first),
            (RuntimeError("the mailer broke"), second),
        ),
        start=1,
    ):
        mailer.error = error
        job = await jobs.submit(client, markdown)
        await service.settle()
        await jobs.entered(mailer, count, f"after {call(job.response)}")
        await jobs.until(
            lambda error=error: watch.logged(error) or bool(watch.escapes(collect=False)),
            f"{call(job.response)}, the mailer raised {type(error).__name__} → the app did not "
            "log it with its traceback (logger.exception(...), level WARNING or above)",
        )
        escapes = watch.escapes()
        if escapes:
            raise fail(
                f"{call(job.response)}, the mailer raised → an exception escaped the app, which a "
                f"server logs as unhandled: {escapes[0]}"
            )
        await jobs.wait(client, job, "done", why="(a receipt that fails does not touch the job)")
