"""Task 5: concurrent requests cannot squeeze past the limit."""

import asyncio
from collections.abc import Callable

import httpx
import pytest

from grader.kit import SpecClient, fail, thread_switches

pytestmark = [pytest.mark.task(5), pytest.mark.env(RATE_LIMIT="10")]

At = Callable[[float], None]
IntHeader = Callable[[httpx.Response, str], int]
ClientAt = Callable[..., SpecClient]


async def burst(
    *clients: SpecClient, count: int = 50, headers: dict[str, str] | None = None
) -> list[httpx.Response]:
    """`count` requests sent at once, none waiting for another's answer, spread over `clients`
    and over both /api endpoints."""
    paths = ("/api/quotes/random", "/api/quotes")
    with thread_switches():
        return list(
            await asyncio.gather(
                *(
                    clients[number % len(clients)].get(paths[number % 2], headers=headers)
                    for number in range(count)
                )
            )
        )


def expect_exactly_ten(responses: list[httpx.Response], what: str) -> None:
    statuses = [response.status_code for response in responses]
    allowed, refused = statuses.count(200), statuses.count(429)
    if (allowed, refused) != (10, len(statuses) - 10):
        others = len(statuses) - allowed - refused
        raise fail(
            f"{what} with RATE_LIMIT=10 → {allowed} answered 200 and {refused} answered 429"
            f"{f' ({others} other)' if others else ''}, expected 10 and {len(statuses) - 10}: "
            "deciding and counting a request must happen as one step"
        )


@pytest.mark.rule("burst-exactly-limit")
async def test_concurrent_burst_lets_exactly_limit_through(client: SpecClient, at: At) -> None:
    """50 concurrent requests to /api, RATE_LIMIT=10: exactly 10 get 200, 40 get 429."""
    expect_exactly_ten(await burst(client), "50 concurrent GET /api/quotes(/random)")
    at(60)
    expect_exactly_ten(
        await burst(client),
        "50 concurrent GET /api/quotes(/random) at t=60 s, after a burst at t=0 s",
    )


@pytest.mark.rule("burst-distinct-remaining")
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
            "50 concurrent GET /api/quotes(/random) with RATE_LIMIT=10 → the 200s reported "
            f"RateLimit-Remaining {remaining}, expected 0 to 9, each once"
        )


@pytest.mark.rule("burst-exactly-limit")
async def test_concurrent_burst_with_one_key_from_two_addresses(
    client: SpecClient, client_at: ClientAt
) -> None:
    """50 concurrent requests with one X-API-Key from two addresses: exactly 10 get 200."""
    async with client_at(("10.0.0.7", 4000)) as other:
        responses = await burst(client, other, headers={"X-API-Key": "burst-key"})
    expect_exactly_ten(
        responses, "50 concurrent requests with X-API-Key: burst-key from 127.0.0.1 and 10.0.0.7"
    )
