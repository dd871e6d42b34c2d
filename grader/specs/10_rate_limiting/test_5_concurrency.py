"""Task 5: concurrent requests cannot squeeze past the limit."""

import asyncio
from collections.abc import Callable

import httpx
import pytest

from grader.kit import SpecClient, fail

pytestmark = [pytest.mark.task(5), pytest.mark.env(RATE_LIMIT="10")]

IntHeader = Callable[[httpx.Response, str], int]


async def burst(client: SpecClient) -> list[httpx.Response]:
    """50 requests sent at once, none waiting for another's answer."""
    return list(await asyncio.gather(*(client.get("/api/quotes/random") for _ in range(50))))


async def test_concurrent_burst_lets_exactly_limit_through(client: SpecClient) -> None:
    """50 concurrent GET /api/quotes/random, RATE_LIMIT=10: exactly 10 get 200, 40 get 429."""
    statuses = [response.status_code for response in await burst(client)]
    allowed, refused = statuses.count(200), statuses.count(429)
    if (allowed, refused) != (10, 40):
        others = len(statuses) - allowed - refused
        raise fail(
            f"50 concurrent GET /api/quotes/random with RATE_LIMIT=10 → {allowed} answered 200 "
            f"and {refused} answered 429{f' ({others} other)' if others else ''}, expected "
            "10 and 40: deciding and counting a request must happen as one step"
        )


async def test_concurrent_successes_report_distinct_remaining(
    client: SpecClient, header: IntHeader
) -> None:
    """The 10 concurrent 200s report RateLimit-Remaining 9, 8, …, 0, each exactly once."""
    responses = await burst(client)
    remaining = sorted(
        header(response, "RateLimit-Remaining")
        for response in responses
        if response.status_code == 200
    )
    if remaining != list(range(10)):
        raise fail(
            "50 concurrent GET /api/quotes/random with RATE_LIMIT=10 → the 200s reported "
            f"RateLimit-Remaining {remaining}, expected 0 to 9, each once"
        )
