"""The jobs table, the `Database` that opens sessions on it, and a session per request.

Don't change this: the grader reads and writes the `jobs` table (README, "Grading interface").
"""

from collections.abc import Iterator
from enum import Enum
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Enum as SQLEnum
from sqlalchemy import String, Text, UniqueConstraint, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class JobStatus(str, Enum):
    """Where a job is in its life: `pending → running → done | failed`."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Base(DeclarativeBase):
    """The declarative base every ORM model inherits from."""


class Job(Base):
    """One conversion: whose it is, what to convert, where it stands, and how it ended."""

    __tablename__ = "jobs"
    # A user's idempotency key names one job at most (NULLs, requests without a key, never clash).
    __table_args__ = (UniqueConstraint("owner", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: The name of the user who submitted it.
    owner: Mapped[str] = mapped_column(String(50), index=True)
    #: Stored as the member's value: "pending", "running", "done" or "failed".
    status: Mapped[JobStatus] = mapped_column(
        SQLEnum(
            JobStatus,
            native_enum=False,
            length=10,
            values_callable=lambda statuses: [status.value for status in statuses],
        )
    )
    markdown: Mapped[str] = mapped_column(Text)
    #: The HTML, once the job is done.
    result: Mapped[str | None] = mapped_column(Text, default=None)
    #: Why it failed, once it has.
    error: Mapped[str | None] = mapped_column(Text, default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), default=None)


class Database:
    """The app's database: one engine, and so one pool of connections, per run of the app.

    Make one when the app starts and close it when the app stops; requests and worker threads
    each take short sessions from it with `session()`.
    """

    def __init__(self, url: str) -> None:
        # Requests (in the threadpool) and conversions (in worker threads) share one pool:
        # SQLite must let a connection be used by threads other than the one that opened it.
        self.engine = create_engine(url, connect_args={"check_same_thread": False})
        # Objects keep their loaded values after a commit, so a response can be built from them.
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_tables(self) -> None:
        Base.metadata.create_all(self.engine)

    def session(self) -> Session:
        """A new session: use it in a `with` block, from one thread."""
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()


def get_database(request: Request) -> Database:
    """The Database of the running app, which the lifespan keeps on `app.state`."""
    database: Database = request.app.state.database
    return database


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    """A session of the request's own, closed (and rolled back if uncommitted) when it ends."""
    with database.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
