"""Task 1: every /api endpoint is limited per client, /health is not."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_list, expect_object, fail, json_body
from grader.loader import LoadedApp

pytestmark = pytest.mark.task(1)

Spend = Callable[..., Awaitable[list[httpx.Response]]]
Refused = Callable[[httpx.Response, str], None]
ExpectInt = Callable[[httpx.Response, str, int, str], None]
Connect = Callable[..., Any]

WHY = "after 5 requests in 60 s (RATE_LIMIT=5)"
#: Every header a limited response carries, which /health must not.
LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After")


def expect_quote(response: httpx.Response, item: Any) -> None:
    if not (
        isinstance(item, dict)
        and isinstance(item.get("text"), str)
        and isinstance(item.get("author"), str)
    ):
        raise fail(
            f'{call(response)} → expected a quote {{"text": str, "author": str}}, got {item!r}'
        )


def expect_not_a_quote(response: httpx.Response) -> None:
    """A 429 whose body is JSON and is not what the endpoint would have answered."""
    body = json_body(response)
    looks_like_endpoint = isinstance(body, list) or (
        isinstance(body, dict) and {"text", "author"} <= body.keys()
    )
    if looks_like_endpoint:
        raise fail(
            f"{call(response)} → the 429 carries the endpoint's answer ({body_excerpt(response)}): "
            "a refused request must not reach the endpoint"
        )


@pytest.mark.rule("limited-endpoints", "quota-per-client")
async def test_sixth_request_in_window_is_refused(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """GET /api/quotes/random answers 200 five times, then 429 with RATE_LIMIT=5."""
    await spend(client, 5, why="with RATE_LIMIT=5")
    refused(await client.get("/api/quotes/random"), WHY)
    refused(await client.get("/api/quotes/random"), WHY)


@pytest.mark.rule("endpoint-does-not-run")
async def test_refusal_has_json_body_and_skips_endpoint(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """A 429 answers a JSON body of its own, not the endpoint's quote: the endpoint did not run."""
    await spend(client, 5, why="with RATE_LIMIT=5")
    for path in ("/api/quotes/random", "/api/quotes"):
        response = await client.get(path)
        refused(response, WHY)
        expect_not_a_quote(response)


@pytest.mark.rule("limited-endpoints", "quota-per-client", "quotes-list", "quotes-random")
async def test_api_endpoints_share_one_quota(
    client: SpecClient, spend: Spend, refused: Refused
) -> None:
    """Requests to GET /api/quotes and GET /api/quotes/random count against one quota."""
    for response in await spend(client, 3, path="/api/quotes", why="with RATE_LIMIT=5"):
        quotes = expect_list(response, 200)
        if not quotes:
            raise fail(f"{call(response)} → expected the quotes, got an empty array")
        for quote in quotes:
            expect_quote(response, quote)
    for response in await spend(
        client, 2, path="/api/quotes/random", why="after 3 requests with RATE_LIMIT=5"
    ):
        expect_quote(response, expect_object(response, 200))
    why = "after 3 requests to /api/quotes and 2 to /api/quotes/random (one quota of 5)"
    refused(await client.get("/api/quotes"), why)
    refused(await client.get("/api/quotes/random"), why)


@pytest.mark.rule("health-answer", "health-never-limited")
async def test_health_is_never_limited(
    client: SpecClient, client_at: Callable[..., SpecClient], spend: Spend, refused: Refused
) -> None:
    """GET /health is never refused, has no RateLimit headers and uses none of the quota."""
    for _ in range(12):
        response = await client.get("/health")
        expect_health(response)
    await spend(client, 5, why="after 12 requests to /health, which are not counted")
    refused(await client.get("/api/quotes/random"), WHY)
    expect_health(await client.get("/health"))
    # Clients known by a key or behind a spoofed header are no more limited on /health.
    async with client_at(("10.0.0.7", 4000)) as other:
        key = {"X-API-Key": "monitor-key"}
        await spend(other, 5, headers=key, why="with X-API-Key: monitor-key")
        refused(await other.get("/api/quotes/random", headers=key), "after 5 with monitor-key")
        for _ in range(6):
            expect_health(await other.get("/health", headers=key))
            expect_health(await other.get("/health"))


def expect_health(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise fail(
            f"{call(response)} → expected 200 (/health is never limited), got "
            f"{response.status_code}: {body_excerpt(response)}"
        )
    if json_body(response) != {"status": "ok"}:
        raise fail(f'{call(response)} → expected {{"status": "ok"}}, got {body_excerpt(response)}')
    sent = [name for name in LIMIT_HEADERS if name in response.headers]
    if sent:
        raise fail(
            f"{call(response)} → /health is not rate-limited, yet it answered {', '.join(sent)}"
        )


@pytest.mark.env(RATE_LIMIT="2")
@pytest.mark.rule("setting-rate-limit", "quota-per-client")
async def test_limit_comes_from_rate_limit_setting(
    client: SpecClient, spend: Spend, refused: Refused, expect_int: ExpectInt
) -> None:
    """With RATE_LIMIT=2, the third request in the window answers 429, and the headers say 2."""
    first, second = await spend(client, 2, why="with RATE_LIMIT=2")
    expect_int(first, "RateLimit-Limit", 2, "(RATE_LIMIT=2)")
    expect_int(first, "RateLimit-Remaining", 1, "after request 1 of 2 (RATE_LIMIT=2)")
    expect_int(second, "RateLimit-Remaining", 0, "after request 2 of 2 (RATE_LIMIT=2)")
    response = await client.get("/api/quotes/random")
    refused(response, "after 2 requests with RATE_LIMIT=2")
    expect_int(response, "RateLimit-Limit", 2, "(RATE_LIMIT=2)")


@pytest.mark.rule("state-per-app")
async def test_restarted_app_starts_with_no_request_counted(
    loaded: LoadedApp, connect: Connect, spend: Spend, refused: Refused
) -> None:
    """An app stopped and started again (its lifespan runs twice) starts with every quota full."""
    async with connect(loaded.app) as first_run:
        await spend(first_run, 5, why="with RATE_LIMIT=5")
        refused(await first_run.get("/api/quotes/random"), WHY)
    async with connect(loaded.app) as second_run:
        await spend(
            second_run,
            5,
            why="after the app was stopped and started again: each start begins with no request "
            "counted",
        )
