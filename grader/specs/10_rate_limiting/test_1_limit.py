"""Task 1: every /api endpoint is limited per client, /health is not."""

from collections.abc import Awaitable, Callable

import httpx
import pytest

from grader.kit import SpecClient, call, expect_status, fail

pytestmark = pytest.mark.task(1)

Spend = Callable[..., Awaitable[list[httpx.Response]]]
Refused = Callable[[httpx.Response, str], None]

WHY = "after 5 requests in 60 s (RATE_LIMIT=5)"


async def test_sixth_request_in_window_is_refused(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """GET /api/quotes/random answers 200 five times, then 429 with RATE_LIMIT=5."""
    await spend(client, 5, why="with RATE_LIMIT=5")
    refused(await client.get("/api/quotes/random"), WHY)
    refused(await client.get("/api/quotes/random"), WHY)


async def test_api_endpoints_share_one_quota(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """Requests to GET /api/quotes and GET /api/quotes/random count against one quota."""
    await spend(client, 3, path="/api/quotes", why="with RATE_LIMIT=5")
    await spend(client, 2, path="/api/quotes/random", why="after 3 requests with RATE_LIMIT=5")
    why = "after 3 requests to /api/quotes and 2 to /api/quotes/random (one quota of 5)"
    refused(await client.get("/api/quotes"), why)
    refused(await client.get("/api/quotes/random"), why)


async def test_health_is_never_limited(client: SpecClient, spend: Spend, refused: Refused) -> None:
    """GET /health is never refused, has no RateLimit headers and uses none of the quota."""
    for _ in range(12):
        response = expect_status(await client.get("/health"), 200)
        if "RateLimit-Limit" in response.headers:
            raise fail(f"{call(response)} → /health is not rate-limited: no RateLimit-* headers")
    await spend(client, 5, why="after 12 requests to /health, which are not counted")
    refused(await client.get("/api/quotes/random"), WHY)
    expect_status(await client.get("/health"), 200)


@pytest.mark.env(RATE_LIMIT="2")
async def test_limit_comes_from_rate_limit_setting(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """With RATE_LIMIT=2, the third request in the window answers 429."""
    await spend(client, 2, why="with RATE_LIMIT=2")
    refused(await client.get("/api/quotes/random"), "after 2 requests with RATE_LIMIT=2")
