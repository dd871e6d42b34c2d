"""Configuration, read from the environment by pydantic-settings.

Don't change this: the grader relies on it. It sets `DATABASE_URL` to a fresh SQLite file and
`CURSOR_SECRET` to a key of its own for every spec, and imports the app afresh each time.
"""

from functools import lru_cache

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """`DATABASE_URL` and `CURSOR_SECRET` from the environment."""

    database_url: str = "sqlite:///./catalog.db"
    # The key that signs feed cursors. The default only suits a laptop: set it in production.
    cursor_secret: str = "dev-only-cursor-secret"


@lru_cache
def get_settings() -> Settings:
    return Settings()
