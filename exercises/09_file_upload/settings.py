"""Configuration, read from the environment by pydantic-settings.

Don't change this: the grader relies on it. It sets `DATABASE_URL` to a fresh SQLite file,
`STORAGE_DIR` to a fresh folder and `MAX_UPLOAD_BYTES` to a small limit for every spec, and
imports the app afresh each time.
"""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """`DATABASE_URL`, `STORAGE_DIR` and `MAX_UPLOAD_BYTES` from the environment."""

    database_url: str = "sqlite:///./files.db"
    # Where uploaded bytes live; a relative path is relative to the working directory.
    storage_dir: Path = Path("storage")
    # The largest file accepted, in bytes (the file's own bytes, not the multipart request).
    max_upload_bytes: int = 10 * 1024 * 1024


@lru_cache
def get_settings() -> Settings:
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]
