"""Task 3: a sliding window log: requests leave the window one by one, never all at once."""

from collections.abc import Awaitable, Callable

import httpx
import pytest

from grader.kit import SpecClient, fail

pytestmark = pytest.mark.task(3)

At = Callable[[float], None]
Spend = Callable[..., Awaitable[list[httpx.Response]]]
Refused = Callable[[httpx.Response, str], None]
ExpectInt = Callable[[httpx.Response, str, int, str], None]

#: Just before a whole second: 1/256 s early, exact in binary floating point.
EARLY = 1 / 256


@pytest.mark.rule("sliding-log", "leaves-at-exactly-w", "clock-hook", "consequence-full-quota")
async def test_waiting_retry_after_is_enough(
    client: SpecClient, spend: Spend, refused: Refused, expect_int: ExpectInt, at: At
) -> None:
    """A client refused at t=30 s that waits Retry-After (30 s) gets its full quota back."""
    await spend(client, 5, why="at t=0 s with RATE_LIMIT=5")
    at(30)
    response = await client.get("/api/quotes/random")
    refused(response, "at t=30 s after 5 requests at t=0 s (window 60 s)")
    expect_int(response, "Retry-After", 30, "at t=30 s (5 requests at t=0 s)")
    at(60 - EARLY)
    refused(
        await client.get("/api/quotes/random"),
        f"at t={60 - EARLY} s: the 5 requests of t=0 s count until t=60 s exactly",
    )
    at(60)
    await spend(
        client, 5, why="at t=60 s: the 5 requests of t=0 s left the window (Retry-After said 30)"
    )
    refused(await client.get("/api/quotes/random"), "after 5 requests at t=60 s")


@pytest.mark.rule("sliding-log", "leaves-at-exactly-w", "logged-at-now", "consequence-oldest-first")
async def test_requests_leave_the_window_oldest_first(
    client: SpecClient, spend: Spend, refused: Refused, expect_int: ExpectInt, at: At
) -> None:
    """With 3 requests at t=0 s and 2 at t=30 s, only 3 slots free up at t=60 s, 2 at t=90 s."""
    await spend(client, 3, why="at t=0 s with RATE_LIMIT=5")
    at(30)
    await spend(client, 2, why="at t=30 s after 3 requests at t=0 s (RATE_LIMIT=5)")
    at(59.5)
    response = await client.get("/api/quotes/random")
    refused(response, "at t=59.5 s: 5 requests in the last 60 s")
    expect_int(response, "Retry-After", 1, "at t=59.5 s (the oldest leaves at t=60 s)")
    at(60)
    responses = await spend(client, 3, why="at t=60 s: the 3 requests of t=0 s left the window")
    expect_int(
        responses[-1], "RateLimit-Remaining", 0, "after 3 requests at t=60 s and 2 at t=30 s"
    )
    response = await client.get("/api/quotes/random")
    refused(response, "at t=60 s: the 2 requests of t=30 s are still in the window")
    expect_int(response, "Retry-After", 30, "at t=60 s (the request of t=30 s leaves at t=90 s)")
    at(90 - EARLY)
    response = await client.get("/api/quotes/random")
    refused(response, f"at t={90 - EARLY} s: the 2 requests of t=30 s count until t=90 s")
    at(90)
    responses = await spend(client, 2, why="at t=90 s: the 2 requests of t=30 s left the window")
    response = await client.get("/api/quotes/random")
    refused(response, "at t=90 s: 3 requests of t=60 s and 2 of t=90 s are in the window")
    expect_int(response, "Retry-After", 30, "at t=90 s (the requests of t=60 s leave at t=120 s)")


@pytest.mark.rule("refused-not-logged")
async def test_refused_requests_are_not_counted(
    client: SpecClient, spend: Spend, refused: Refused, expect_int: ExpectInt, at: At
) -> None:
    """Requests refused with 429 do not use quota: the client recovers on time anyway."""
    await spend(client, 5, why="at t=0 s with RATE_LIMIT=5")
    at(30)
    for _ in range(8):
        refused(await client.get("/api/quotes/random"), "at t=30 s after 5 requests at t=0 s")
    at(45)
    response = await client.get("/api/quotes/random")
    refused(response, "at t=45 s after 5 requests at t=0 s")
    expect_int(
        response, "Retry-After", 15, "at t=45 s (only the 5 allowed requests of t=0 s count)"
    )
    at(60)
    responses = await spend(
        client, 5, why="at t=60 s: only the 5 allowed requests of t=0 s were counted"
    )
    expect_int(
        responses[0], "RateLimit-Remaining", 4, "at t=60 s (the refusals of t=30 s never counted)"
    )


@pytest.mark.rule("sliding-log", "consequence-no-double-burst")
async def test_no_double_burst_at_a_window_boundary(
    client: SpecClient, spend: Spend, at: At
) -> None:
    """5 requests at t=59 s leave no room for more at t=61 s: the window slides, it is not fixed."""
    at(59)
    await spend(client, 5, why="at t=59 s with RATE_LIMIT=5")
    at(61)
    passed = [(await client.get("/api/quotes/random")).status_code for _ in range(5)].count(200)
    if passed:
        raise fail(
            f"GET /api/quotes/random → {passed} of 5 requests at t=61 s answered 200, expected "
            "429 for all: 5 were allowed at t=59 s, and any 60 s may hold only 5 "
            "(a fixed window lets a second burst through right after its boundary)"
        )


@pytest.mark.env(RATE_LIMIT="2", RATE_LIMIT_WINDOW_SECONDS="10")
@pytest.mark.rule("setting-window", "leaves-at-exactly-w")
async def test_window_comes_from_setting(
    client: SpecClient, spend: Spend, refused: Refused, expect_int: ExpectInt, at: At
) -> None:
    """With RATE_LIMIT_WINDOW_SECONDS=10, a refusal at t=4 s says Retry-After: 6."""
    (first, _) = await spend(client, 2, why="at t=0 s with RATE_LIMIT=2")
    expect_int(first, "RateLimit-Reset", 10, "at t=0 s (window 10 s)")
    at(4)
    response = await client.get("/api/quotes/random")
    refused(response, "at t=4 s after 2 requests at t=0 s (RATE_LIMIT=2, window 10 s)")
    expect_int(response, "Retry-After", 6, "at t=4 s (window 10 s)")
    at(10 - EARLY)
    refused(
        await client.get("/api/quotes/random"),
        f"at t={10 - EARLY} s: the requests of t=0 s count until t=10 s (window 10 s)",
    )
    at(10)
    await spend(client, 2, why="at t=10 s: the window is 10 s (RATE_LIMIT_WINDOW_SECONDS=10)")
