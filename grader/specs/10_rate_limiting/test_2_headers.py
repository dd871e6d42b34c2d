"""Task 2: RateLimit-* headers on every limited response, and Retry-After on 429."""

from collections.abc import Awaitable, Callable

import httpx
import pytest

from grader.kit import SpecClient

pytestmark = pytest.mark.task(2)

At = Callable[[float], None]
Spend = Callable[..., Awaitable[list[httpx.Response]]]
Refused = Callable[[httpx.Response, str], None]
ExpectInt = Callable[[httpx.Response, str, int, str], None]

WHY = "after 5 requests in 60 s (RATE_LIMIT=5)"


@pytest.mark.rule("header-remaining", "header-limit", "whole-numbers")
async def test_remaining_counts_down(
    client: SpecClient, spend: Spend, expect_int: ExpectInt
) -> None:
    """Each 200 from /api carries RateLimit-Limit: 5 and RateLimit-Remaining 4, 3, 2, 1, 0."""
    responses = await spend(client, 5, why="with RATE_LIMIT=5")
    for number, response in enumerate(responses, start=1):
        expect_int(response, "RateLimit-Limit", 5, "(RATE_LIMIT=5)")
        expect_int(response, "RateLimit-Remaining", 5 - number, f"after request {number} of 5")


@pytest.mark.rule("headers-on-every-response", "header-limit", "header-remaining", "header-reset")
async def test_both_endpoints_carry_the_headers(
    client: SpecClient, spend: Spend, refused: Refused, expect_int: ExpectInt, at: At
) -> None:
    """GET /api/quotes carries the RateLimit-* headers too, on its 200s and on its 429."""
    (first,) = await spend(client, 1, path="/api/quotes")
    expect_int(first, "RateLimit-Limit", 5, "(RATE_LIMIT=5)")
    expect_int(first, "RateLimit-Remaining", 4, "after request 1 of 5")
    expect_int(first, "RateLimit-Reset", 60, "(first request at t=0 s, window 60 s)")
    at(10)
    await spend(client, 4, path="/api/quotes", why="at t=10 s after 1 request at t=0 s")
    at(20)
    response = await client.get("/api/quotes")
    refused(response, "at t=20 s after 5 requests to /api/quotes")
    expect_int(response, "RateLimit-Limit", 5, "(RATE_LIMIT=5)")
    expect_int(response, "RateLimit-Remaining", 0, "on a 429")
    when = "at t=20 s (the oldest request, of t=0 s, leaves the window at t=60 s)"
    expect_int(response, "RateLimit-Reset", 40, when)
    expect_int(response, "Retry-After", 40, when)


@pytest.mark.rule(
    "header-reset",
    "example-first",
    "example-second",
    "example-third-to-fifth",
    "example-sixth",
    "round-up",
)
async def test_readme_example_step_by_step(
    client: SpecClient, spend: Spend, refused: Refused, expect_int: ExpectInt, at: At
) -> None:
    """The README's example, row by row: Remaining 4…0, Reset 60 then 40, a 429 at 30.75 s."""
    (first,) = await spend(client, 1)
    expect_int(first, "RateLimit-Remaining", 4, "after the 1st request, at t=0 s")
    expect_int(first, "RateLimit-Reset", 60, "after the 1st request, at t=0 s (window 60 s)")
    at(20.25)
    responses = await spend(client, 4, why="at t=20.25 s after 1 request at t=0 s")
    for number, response in enumerate(responses, start=2):
        when = f"after request {number}, at t=20.25 s"
        expect_int(response, "RateLimit-Remaining", 5 - number, when)
        expect_int(
            response,
            "RateLimit-Reset",
            40,
            f"{when} (the request of t=0 s leaves in 39.75 s, rounded up)",
        )
    at(30.75)
    response = await client.get("/api/quotes/random")
    refused(response, "at t=30.75 s: 5 requests in the last 60 s")
    when = "at t=30.75 s (the request of t=0 s leaves in 29.25 s, rounded up)"
    expect_int(response, "RateLimit-Remaining", 0, "on a 429")
    expect_int(response, "RateLimit-Reset", 30, when)
    expect_int(response, "Retry-After", 30, when)


@pytest.mark.rule("header-reset", "header-remaining")
async def test_reset_counts_from_oldest_request(
    client: SpecClient, spend: Spend, expect_int: ExpectInt, at: At
) -> None:
    """RateLimit-Reset on a 200 is the seconds, rounded up, until the oldest request expires."""
    (first,) = await spend(client, 1)
    expect_int(first, "RateLimit-Reset", 60, "(first request at t=0 s, window 60 s)")
    at(20.25)
    (second,) = await spend(client, 1)
    expect_int(
        second,
        "RateLimit-Reset",
        40,
        "at t=20.25 s (the request of t=0 s leaves the window in 39.75 s, rounded up)",
    )
    expect_int(second, "RateLimit-Remaining", 3, "after 2 requests in the window")


@pytest.mark.rule("header-reset", "header-remaining")
async def test_headers_forget_requests_that_left_the_window(
    client: SpecClient, spend: Spend, expect_int: ExpectInt, at: At
) -> None:
    """Once old requests leave the window, Remaining and Reset count only the ones still in it."""
    await spend(client, 2, why="at t=0 s with RATE_LIMIT=5")
    at(30)
    await spend(client, 1, why="at t=30 s after 2 requests at t=0 s")
    at(75)
    (response,) = await spend(client, 1, why="at t=75 s: the requests of t=0 s left the window")
    when = "at t=75 s (requests at t=30 s and t=75 s are in the window; those of t=0 s left it)"
    expect_int(response, "RateLimit-Remaining", 3, when)
    expect_int(response, "RateLimit-Reset", 15, f"{when}: the one of t=30 s leaves at t=90 s")
    at(130)
    (response,) = await spend(client, 1, why="at t=130 s: only the request of t=75 s is left")
    when = "at t=130 s (only the request of t=75 s is still in the window, until t=135 s)"
    expect_int(response, "RateLimit-Remaining", 3, when)
    expect_int(response, "RateLimit-Reset", 5, when)


@pytest.mark.rule(
    "retry-after", "header-limit", "header-remaining", "header-reset", "whole-numbers"
)
async def test_refusal_carries_retry_after_and_headers(
    client: SpecClient, spend: Spend, refused: Refused, expect_int: ExpectInt, at: At
) -> None:
    """A 429 carries Retry-After (seconds until a slot frees) and the RateLimit-* headers."""
    await spend(client, 5, why="with RATE_LIMIT=5")
    at(15)
    response = await client.get("/api/quotes/random")
    refused(response, WHY)
    when = "at t=15 s (5 requests at t=0 s, window 60 s)"
    expect_int(response, "Retry-After", 45, when)
    expect_int(response, "RateLimit-Limit", 5, "(RATE_LIMIT=5)")
    expect_int(response, "RateLimit-Remaining", 0, "on a 429")
    expect_int(response, "RateLimit-Reset", 45, when)


@pytest.mark.rule("round-up", "retry-after")
async def test_retry_after_rounds_up(
    client: SpecClient, spend: Spend, refused: Refused, expect_int: ExpectInt, at: At
) -> None:
    """Retry-After is whole seconds rounded up: 29.25 s → 30, 0.5 s → 1 (never 0)."""
    await spend(client, 5, why="with RATE_LIMIT=5")
    at(30.75)
    response = await client.get("/api/quotes/random")
    refused(response, WHY)
    expect_int(
        response,
        "Retry-After",
        30,
        "at t=30.75 s (5 requests at t=0 s: 29.25 s to wait, rounded up)",
    )
    at(59.5)
    response = await client.get("/api/quotes/random")
    refused(response, WHY)
    when = "at t=59.5 s (5 requests at t=0 s: 0.5 s to wait, rounded up)"
    expect_int(response, "Retry-After", 1, when)
    expect_int(response, "RateLimit-Reset", 1, when)
    at(59.99609375)
    response = await client.get("/api/quotes/random")
    refused(response, WHY)
    when = "at t=59.99609375 s (5 requests at t=0 s: 1/256 s to wait, rounded up)"
    expect_int(response, "Retry-After", 1, when)
    expect_int(response, "RateLimit-Reset", 1, when)
