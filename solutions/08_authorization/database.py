"""The database: engine, session dependency and the declarative base of the models.

Don't change this: the grader relies on it (the database lives at DATABASE_URL).
"""

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from settings import get_settings

_url = get_settings().database_url
_is_sqlite = _url.startswith("sqlite")

engine = create_engine(_url, connect_args={"check_same_thread": False} if _is_sqlite else {})

if _is_sqlite:

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # SQLite ignores foreign keys unless each connection asks.
        cursor.execute("PRAGMA foreign_keys = ON")
        # A local database of demo data: it need not survive a power cut, and without an fsync
        # at every commit, each commit is many times faster.
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.close()


SessionFactory = sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


def get_session() -> Iterator[Session]:
    """One session per request."""
    with SessionFactory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
