"""Settings, the database engine and the per-request session.

Don't change this: the grader relies on it. It sets `DATABASE_URL` to a fresh SQLite file for
every spec and imports the app afresh, so the engine below always points at that file.
"""

from collections.abc import Iterator
from datetime import datetime, timezone
from functools import lru_cache

from pydantic_settings import BaseSettings
from sqlalchemy import DateTime, Dialect, create_engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator


class Settings(BaseSettings):
    """Configuration read from the environment (`DATABASE_URL`)."""

    database_url: str = "sqlite:///./products.db"


@lru_cache
def get_settings() -> Settings:
    return Settings()


# Sync endpoints run in a thread pool, so SQLite must accept connections from other threads.
engine = create_engine(get_settings().database_url, connect_args={"check_same_thread": False})


class Base(DeclarativeBase):
    """The declarative base every ORM model inherits from."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime; SQLite itself stores datetimes without an offset."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


def get_session() -> Iterator[Session]:
    """One session per request, closed (and so rolled back if uncommitted) when it ends."""
    with Session(engine) as session:
        yield session
