"""Settings, the async engine, the session factory and the per-request session.

Don't change this (but for `get_session`, which is yours to write): the grader relies on it. It
sets `DATABASE_URL` to a fresh SQLite file for every spec and imports the app afresh, so the
engine below always points at that file.
"""

from collections.abc import AsyncIterator
from functools import lru_cache

from pydantic_settings import BaseSettings
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase


class Settings(BaseSettings):
    """Configuration read from the environment (`DATABASE_URL`)."""

    database_url: str = "sqlite+aiosqlite:///./bank.db"


@lru_cache
def get_settings() -> Settings:
    return Settings()


engine = create_async_engine(get_settings().database_url)

# expire_on_commit=False: after a commit, reading an attribute would be a lazy load, which an
# AsyncSession cannot do implicitly; the objects keep the values they had instead.
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    """The declarative base every ORM model inherits from."""


async def get_session() -> AsyncIterator[AsyncSession]:
    """One session per request, closed (and so rolled back if uncommitted) when it ends."""
    # TODO: yield a session made by SessionLocal, and close it once the request is over.
    raise NotImplementedError("get_session")
    yield  # a generator: FastAPI runs what follows the yield after the request
