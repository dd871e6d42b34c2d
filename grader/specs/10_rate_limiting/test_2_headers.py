"""Task 2: RateLimit-* headers on every limited response, and Retry-After on 429."""

from collections.abc import Awaitable, Callable

import httpx
import pytest

from grader.kit import SpecClient, call, fail

pytestmark = pytest.mark.task(2)

At = Callable[[float], None]
Spend = Callable[..., Awaitable[list[httpx.Response]]]
Refused = Callable[[httpx.Response, str], None]
IntHeader = Callable[[httpx.Response, str], int]

WHY = "after 5 requests in 60 s (RATE_LIMIT=5)"


def expect_value(
    header: IntHeader, response: httpx.Response, name: str, expected: int, when: str
) -> None:
    value = header(response, name)
    if value != expected:
        raise fail(f"{call(response)} → expected {name}: {expected} {when}, got {value}")


async def test_remaining_counts_down(client: SpecClient, spend: Spend, header: IntHeader) -> None:
    """Each 200 from /api carries RateLimit-Limit: 5 and RateLimit-Remaining 4, 3, 2, 1, 0."""
    responses = await spend(client, 5, why="with RATE_LIMIT=5")
    for number, response in enumerate(responses, start=1):
        expect_value(header, response, "RateLimit-Limit", 5, "(RATE_LIMIT=5)")
        expect_value(
            header, response, "RateLimit-Remaining", 5 - number, f"after request {number} of 5"
        )


async def test_reset_counts_from_oldest_request(
    client: SpecClient, spend: Spend, header: IntHeader, at: At
) -> None:
    """RateLimit-Reset on a 200 is the seconds, rounded up, until the oldest request expires."""
    (first,) = await spend(client, 1)
    expect_value(header, first, "RateLimit-Reset", 60, "(first request at t=0 s, window 60 s)")
    at(20.25)
    (second,) = await spend(client, 1)
    expect_value(
        header,
        second,
        "RateLimit-Reset",
        40,
        "at t=20.25 s (the request of t=0 s leaves the window in 39.75 s, rounded up)",
    )
    expect_value(header, second, "RateLimit-Remaining", 3, "after 2 requests in the window")


async def test_refusal_carries_retry_after_and_headers(
    client: SpecClient, spend: Spend, refused: Refused, header: IntHeader, at: At
) -> None:
    """A 429 carries Retry-After (seconds until a slot frees) and the RateLimit-* headers."""
    await spend(client, 5, why="with RATE_LIMIT=5")
    at(15)
    response = await client.get("/api/quotes/random")
    refused(response, WHY)
    when = "at t=15 s (5 requests at t=0 s, window 60 s)"
    expect_value(header, response, "Retry-After", 45, when)
    expect_value(header, response, "RateLimit-Limit", 5, "(RATE_LIMIT=5)")
    expect_value(header, response, "RateLimit-Remaining", 0, "on a 429")
    expect_value(header, response, "RateLimit-Reset", 45, when)


async def test_retry_after_rounds_up(
    client: SpecClient, spend: Spend, refused: Refused, header: IntHeader, at: At
) -> None:
    """Retry-After is whole seconds rounded up: 29.25 s → 30, 0.5 s → 1 (never 0)."""
    await spend(client, 5, why="with RATE_LIMIT=5")
    at(30.75)
    response = await client.get("/api/quotes/random")
    refused(response, WHY)
    expect_value(
        header,
        response,
        "Retry-After",
        30,
        "at t=30.75 s (5 requests at t=0 s: 29.25 s to wait, rounded up)",
    )
    at(59.5)
    response = await client.get("/api/quotes/random")
    refused(response, WHY)
    expect_value(
        header,
        response,
        "Retry-After",
        1,
        "at t=59.5 s (5 requests at t=0 s: 0.5 s to wait, rounded up)",
    )
