"""A Markdown conversion service: a conversion is accepted at once as a job, its receipt is
emailed after the response, and a pool of worker threads converts it while the client polls."""

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi import status as http
from fastapi.concurrency import run_in_threadpool

from auth import CurrentUser, User
from converter import Converter, convert
from database import Database, Job, JobStatus, SessionDep
from jobs import JobRunner, claim_job, interrupt
from mail import Email, Mailer, OutboxMailer
from schemas import ConversionCreate, JobPublic
from settings import get_settings

logger = logging.getLogger(__name__)

RECEIPT_SUBJECT = "Conversion received"
#: An idempotency key: 1 to 255 visible ASCII characters.
IDEMPOTENCY_KEY = r"^[!-~]{1,255}$"


# Don't change this: the grader overrides it through app.dependency_overrides.
def get_converter() -> Converter:
    """The converter every conversion runs with."""
    return convert


# Don't change this: the grader overrides it through app.dependency_overrides.
def get_mailer() -> Mailer:
    """The mailer receipts are sent with."""
    return OutboxMailer(get_settings().outbox_dir)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    # Don't change these lines: one Database per run of the app, on DATABASE_URL.
    database = Database(settings.database_url)
    database.create_tables()
    app.state.database = database
    # Jobs a previous run left pending or running (it crashed, or was killed) will never
    # finish now: say so, rather than let their clients poll forever.
    interrupt(database, JobStatus.PENDING, JobStatus.RUNNING)
    # A fresh pool for every run: a pool that was shut down takes no more work.
    runner = JobRunner(database, workers=settings.job_workers)
    app.state.runner = runner
    try:
        yield
    finally:
        # Waiting for running conversions blocks: wait in a thread, never on the event loop.
        await run_in_threadpool(runner.shutdown)
        database.close()


app = FastAPI(title="Conversions", lifespan=lifespan)


def get_runner(request: Request) -> JobRunner:
    """The job runner of the running app."""
    runner: JobRunner = request.app.state.runner
    return runner


def idempotency_key(
    request: Request,
    key: Annotated[
        str | None, Header(alias="Idempotency-Key", max_length=255, pattern=IDEMPOTENCY_KEY)
    ] = None,
) -> str | None:
    """The request's idempotency key, if it sent one."""
    # FastAPI reads only the first of several headers: two keys are ambiguous, not one.
    if len(request.headers.getlist("idempotency-key")) > 1:
        raise HTTPException(http.HTTP_422_UNPROCESSABLE_CONTENT, "Send one Idempotency-Key")
    return key


ConverterDep = Annotated[Converter, Depends(get_converter)]
MailerDep = Annotated[Mailer, Depends(get_mailer)]
RunnerDep = Annotated[JobRunner, Depends(get_runner)]
IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]


def send_receipt(mailer: Mailer, email: Email) -> None:
    """Send a receipt; a plain `def`, so BackgroundTasks runs it in the threadpool."""
    try:
        mailer.send(email)
    except Exception:
        # The 202 is long gone, so nobody is left to answer: a mail server that is down costs
        # the user a receipt, never the conversion, and the traceback goes where we look.
        logger.exception("could not send the receipt to %s", email.to)


def receipt(user: User, path: str) -> Email:
    return Email(
        to=user.email,
        subject=RECEIPT_SUBJECT,
        body=f"We received your document. Follow its conversion at {path}",
    )


@app.post("/conversions", status_code=http.HTTP_202_ACCEPTED)
def create_conversion(
    conversion: ConversionCreate,
    user: CurrentUser,
    key: IdempotencyKeyDep,
    session: SessionDep,
    runner: RunnerDep,
    converter: ConverterDep,
    mailer: MailerDep,
    background_tasks: BackgroundTasks,
    request: Request,
    response: Response,
) -> JobPublic:
    """Accept a document to convert: 202 at once, with the job to poll in Location."""
    job, created = claim_job(
        session,
        job_id=str(uuid.uuid4()),
        owner=user.name,
        markdown=conversion.markdown,
        key=key,
    )
    if job.markdown != conversion.markdown:
        raise HTTPException(
            http.HTTP_422_UNPROCESSABLE_CONTENT,
            "This Idempotency-Key was used for another document",
        )
    path = request.app.url_path_for("read_conversion", job_id=job.id)
    if created:
        # The job is committed before a worker can look for it; a retry starts nothing.
        runner.submit(job.id, job.markdown, converter)
        # Runs once the response has been sent: the client never waits for the mail server.
        background_tasks.add_task(send_receipt, mailer, receipt(user, path))
    response.headers["Location"] = path
    return JobPublic.model_validate(job)


@app.get("/conversions/{job_id}")
def read_conversion(job_id: str, user: CurrentUser, session: SessionDep) -> JobPublic:
    """A job of the caller's, as it stands now."""
    job = session.get(Job, job_id)
    # Someone else's job answers like one that never existed: an id proves nothing to others.
    if job is None or job.owner != user.name:
        raise HTTPException(http.HTTP_404_NOT_FOUND, "Conversion not found")
    return JobPublic.model_validate(job)


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness probe: no database, no token."""
    return {"status": "ok"}
