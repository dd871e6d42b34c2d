"""The database engine and the per-request session.

Don't change this: the grader relies on it.
"""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from settings import get_settings

# Sync endpoints run in a thread pool, so SQLite must accept connections from other threads.
engine = create_engine(get_settings().database_url, connect_args={"check_same_thread": False})


def get_session() -> Iterator[Session]:
    """One session per request, closed (and so rolled back if uncommitted) when it ends."""
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
