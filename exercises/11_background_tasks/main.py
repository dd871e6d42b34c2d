"""A Markdown conversion service: a conversion is accepted at once as a job, its receipt is
emailed after the response, and a pool of worker threads converts it while the client polls.

TODO: accept conversions as jobs, send each receipt after the response, convert in a pool of
worker threads off the event loop, record failures, make retries idempotent, and leave no job
unfinished at shutdown or after a crash. See README.md.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi import status as http

from auth import CurrentUser
from converter import Converter, convert
from database import Database, SessionDep
from mail import Mailer, OutboxMailer
from schemas import ConversionCreate, JobPublic
from settings import get_settings


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
    # TODO: fail the jobs a previous run left unfinished, then start a job runner of
    # JOB_WORKERS workers (jobs.py) where the endpoints can find it (tasks 3 and 6).
    try:
        yield
    finally:
        # TODO: shut the runner down (task 6), without blocking the event loop while it waits.
        database.close()


app = FastAPI(title="Conversions", lifespan=lifespan)

ConverterDep = Annotated[Converter, Depends(get_converter)]
MailerDep = Annotated[Mailer, Depends(get_mailer)]


@app.post("/conversions", status_code=http.HTTP_202_ACCEPTED)
def create_conversion(
    conversion: ConversionCreate, user: CurrentUser, session: SessionDep
) -> JobPublic:
    """Accept a document to convert: 202 at once, with the job to poll in Location."""
    # TODO: commit a pending job with a random UUID, hand it to the runner with the converter
    # from ConverterDep, set Location (tasks 1 and 3), and send the receipt with the mailer
    # from MailerDep after the response (task 2). An Idempotency-Key this user already used
    # gives back its job instead (task 5).
    raise NotImplementedError


@app.get("/conversions/{job_id}")
def read_conversion(job_id: str, user: CurrentUser, session: SessionDep) -> JobPublic:
    """A job of the caller's, as it stands now."""
    # TODO: the job, or 404 when there is none or it is another user's (task 1).
    raise NotImplementedError


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness probe: no database, no token."""
    return {"status": "ok"}
