"""Jobs: claimed once per idempotency key, run in a bounded pool of worker threads, and never
left unfinished when the app stops."""

import logging
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from converter import ConversionError, Converter
from database import Database, Job, JobStatus

logger = logging.getLogger(__name__)

#: A failed job's error when the converter broke in a way its user cannot act on.
INTERNAL_ERROR = "internal error"
#: A failed job's error when the server stopped before the job could run or finish.
INTERRUPTED = "interrupted"


def claim_job(
    session: Session, *, job_id: str, owner: str, markdown: str, key: str | None
) -> tuple[Job, bool]:
    """The job for `owner`'s `key`, made and committed pending if there is none yet; and
    whether it was made by this call."""
    if key is not None and (job := find_by_key(session, owner=owner, key=key)) is not None:
        return job, False
    job = Job(
        id=job_id, owner=owner, status=JobStatus.PENDING, markdown=markdown, idempotency_key=key
    )
    session.add(job)
    try:
        session.commit()
    except IntegrityError:
        # The unique (owner, key) constraint lost us the race to a concurrent retry: its job
        # is the one. Checking first and inserting after is not enough on its own.
        session.rollback()
        if key is None or (job := find_by_key(session, owner=owner, key=key)) is None:
            raise
        return job, False
    return job, True


def find_by_key(session: Session, *, owner: str, key: str) -> Job | None:
    return session.scalar(select(Job).where(Job.owner == owner, Job.idempotency_key == key))


def interrupt(database: Database, *statuses: JobStatus) -> None:
    """Fail every job in one of `statuses`: nothing will ever run or finish it now."""
    with database.session() as session:
        session.execute(
            update(Job)
            .where(Job.status.in_(statuses))
            .values(status=JobStatus.FAILED, error=INTERRUPTED)
        )
        session.commit()


class JobRunner:
    """Runs jobs `workers` at a time, oldest first, each in a worker thread of its own."""

    def __init__(self, database: Database, *, workers: int) -> None:
        self._database = database
        # Threads, not the event loop: the converter blocks, and while a blocking call runs on
        # the loop, no other request is answered. The pool's size bounds the work in progress.
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="conversion")

    def submit(self, job_id: str, markdown: str, converter: Converter) -> None:
        """Queue a job already committed as pending; it runs when a worker is free."""
        self._pool.submit(self._run, job_id, markdown, converter)

    def shutdown(self) -> None:
        """Start no more jobs, wait for the running ones, fail the ones that never ran. Blocks."""
        # The running conversions finish and record how they ended; the queued ones are dropped
        # before any worker takes them, and a restart will not run them either.
        self._pool.shutdown(wait=True, cancel_futures=True)
        interrupt(self._database, JobStatus.PENDING)

    def _run(self, job_id: str, markdown: str, converter: Converter) -> None:
        self._record(job_id, status=JobStatus.RUNNING)
        try:
            result = converter(markdown)
        except ConversionError as error:
            # The document's own fault: its author can read why, and fix it.
            self._record(job_id, status=JobStatus.FAILED, error=str(error))
        except Exception:
            # Our fault: the traceback goes to the log, where we look; the user hears no details.
            logger.exception("conversion %s failed", job_id)
            self._record(job_id, status=JobStatus.FAILED, error=INTERNAL_ERROR)
        else:
            self._record(job_id, status=JobStatus.DONE, result=result)

    def _record(self, job_id: str, **values: object) -> None:
        with self._database.session() as session:
            session.execute(update(Job).where(Job.id == job_id).values(**values))
            session.commit()
