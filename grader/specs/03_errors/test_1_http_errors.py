"""Task 1: every HTTPException, whoever raised it, is a problem of type about:blank."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException

from grader.kit import SpecClient, call, expect_list, expect_object, fail

pytestmark = pytest.mark.task(1)

Problem = Callable[..., dict[str, Any]]
Hook = Any

#: `require_token`'s detail, given in main.py.
TOKEN_DETAIL = "Moving money needs a valid bearer token."


@pytest.mark.rule(
    "problem-members",
    "media-type",
    "member-type",
    "member-title",
    "member-status",
    "member-detail",
    "unknown-route",
    "unknown-route-rows",
    "http-exception-anywhere",
)
async def test_unknown_path_is_a_404_problem(client: SpecClient, problem: Problem) -> None:
    """GET /nope answers 404 as a problem: about:blank, Not Found, its status and its path."""
    problem(await client.get("/nope"), 404)
    problem(await client.get("/accounts/7/statements/2024"), 404)


@pytest.mark.rule("unknown-route", "unknown-route-rows")
async def test_unknown_path_is_404_whatever_the_method(
    client: SpecClient, problem: Problem
) -> None:
    """POST /accounts/1/withdrawals and DELETE /transfers/1 answer 404 problems, not 405."""
    problem(await client.post("/accounts/1/withdrawals", json={"amount_cents": 5}), 404)
    problem(await client.delete("/transfers/1"), 404)
    problem(await client.put("/nope"), 404)


@pytest.mark.rule("problem-instance")
async def test_instance_is_the_path_without_the_query(client: SpecClient, problem: Problem) -> None:
    """A problem's instance is the request's path, without its query string."""
    problem(await client.get("/nope/deeper", params={"page": "2", "q": "x"}), 404)
    problem(await client.get("/accounts/1/withdrawals?amount=5"), 404)


@pytest.mark.rule("http-detail", "token-401", "exception-headers", "api-token")
async def test_401_from_a_dependency_is_a_problem_with_its_challenge(
    anonymous: SpecClient, problem: Problem
) -> None:
    """POST /accounts without a token: a 401 problem with require_token's detail and challenge."""
    sent = {"owner": "Ada", "currency": "EUR"}
    for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"Authorization": "Basic abc"}):
        response = await anonymous.post("/accounts", json=sent, headers=headers)
        body = problem(response, 401)
        if body["detail"] != TOKEN_DETAIL:
            raise fail(
                f'{call(response)} → "detail" should be the HTTPException\'s detail, '
                f"{TOKEN_DETAIL!r}, got {body['detail']!r}"
            )
        challenge = response.headers.get("WWW-Authenticate")
        if challenge is None or challenge.split()[:1] != ["Bearer"]:
            raise fail(
                f"{call(response)} → the 401 must keep the exception's header "
                f"WWW-Authenticate: Bearer, got {challenge!r}"
            )


@pytest.mark.rule("successes-unchanged", "token-401", "api-token")
async def test_successes_stay_json_beside_problems(
    client: SpecClient, anonymous: SpecClient, problem: Problem
) -> None:
    """After a 401 problem, the same request with the token answers 201 in application/json."""
    sent = {"owner": "Grace", "currency": "USD"}
    problem(await anonymous.post("/accounts", json=sent), 401)
    created = await client.post("/accounts", json=sent)
    body = expect_object(created, 201, "id")
    _json(created)
    expected = {"id": 1, "owner": "Grace", "currency": "USD", "balance_cents": 0, "closed": False}
    if body != expected:
        raise fail(f"{call(created)} → expected {expected}, got {body}")
    listed = await client.get("/accounts")
    _json(listed)
    if expect_list(listed) != [expected]:
        raise fail(f"{call(listed)} → expected [{expected}], got {listed.text[:200]}")


def _json(response: httpx.Response) -> None:
    kind = response.headers.get("content-type", "")
    if kind.split(";")[0].strip() != "application/json":
        raise fail(f"{call(response)} → a success stays application/json, got {kind!r}")


@pytest.mark.rule(
    "http-detail", "exception-headers", "http-exception-anywhere", "ledger-hook", "hook-errors"
)
async def test_http_exception_raised_in_a_dependency(
    client: SpecClient, problem: Problem, hook: Hook
) -> None:
    """An HTTPException(503) with Retry-After raised in get_ledger: a 503 problem keeping both."""
    hook.raises(
        HTTPException(503, "The ledger is closed for maintenance.", headers={"Retry-After": "120"})
    )
    response = await client.get("/accounts/1")
    body = problem(response, 503)
    if body["detail"] != "The ledger is closed for maintenance.":
        raise fail(
            f'{call(response)} → "detail" should be the HTTPException\'s detail, '
            f"'The ledger is closed for maintenance.', got {body['detail']!r}"
        )
    if response.headers.get("Retry-After") != "120":
        raise fail(
            f"{call(response)} → the exception's header Retry-After: 120 must be kept, got "
            f"{response.headers.get('Retry-After')!r}"
        )


@pytest.mark.rule(
    "http-detail", "exception-headers", "http-exception-anywhere", "ledger-hook", "hook-errors"
)
async def test_starlette_http_exception_raised_in_an_endpoint(
    client: SpecClient, problem: Problem, hook: Hook
) -> None:
    """Starlette's own HTTPException(429), raised in an endpoint, is a problem too."""
    hook.ledger_raises(StarletteHTTPException(429, "Slow down.", headers={"Retry-After": "7"}))
    response = await client.post("/transfers", json=_transfer())
    body = problem(response, 429)
    if body["detail"] != "Slow down.":
        raise fail(f"{call(response)} → \"detail\" should be 'Slow down.', got {body['detail']!r}")
    if response.headers.get("Retry-After") != "7":
        raise fail(
            f"{call(response)} → the exception's header Retry-After: 7 must be kept, got "
            f"{response.headers.get('Retry-After')!r}"
        )
    problem(await client.get("/accounts"), 429)


def _transfer() -> dict[str, int]:
    return {"source_id": 1, "target_id": 2, "amount_cents": 100}
