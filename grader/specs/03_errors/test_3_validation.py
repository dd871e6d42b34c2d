"""Task 3: validation errors are 422 problems that say where and why, and echo nothing."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, fail
from grader.messages import clip

pytestmark = pytest.mark.task(3)

Problem = Callable[..., dict[str, Any]]
Leaks = Callable[..., None]
OpenAccount = Callable[..., Awaitable[dict[str, Any]]]

SLUG, TITLE = "validation-error", "Invalid request"


def errors_of(response: httpx.Response, problem: Problem) -> list[dict[str, Any]]:
    """The `errors` of a validation problem, each checked to hold exactly loc, msg and type."""
    body = problem(response, 422, SLUG, TITLE)
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors:
        raise fail(
            f'{call(response)} → a validation problem needs a non-empty list "errors", got '
            f"{clip(json.dumps(errors), 120)}"
        )
    for error in errors:
        if not isinstance(error, dict) or set(error) != {"loc", "msg", "type"}:
            raise fail(
                f"{call(response)} → each error has exactly loc, msg and type, got "
                f"{clip(json.dumps(error), 160)}"
            )
        loc, msg, kind = error["loc"], error["msg"], error["type"]
        if not isinstance(loc, list) or not all(
            isinstance(part, (str, int)) and not isinstance(part, bool) for part in loc
        ):
            raise fail(f"{call(response)} → loc is a list of strings and integers, got {loc!r}")
        if not isinstance(msg, str) or not isinstance(kind, str):
            raise fail(f"{call(response)} → msg and type are strings, got {clip(repr(error), 160)}")
    return errors


def expect_error(
    response: httpx.Response, errors: list[dict[str, Any]], loc: list[Any], kind: str
) -> None:
    if not any(error["loc"] == loc and error["type"] == kind for error in errors):
        raise fail(
            f"{call(response)} → expected an error with loc {json.dumps(loc)} and type "
            f"{kind!r}, got {clip(json.dumps(errors), 200)}"
        )


@pytest.mark.rule("validation-problem", "validation-errors", "validation-covers", "error-loc")
async def test_path_parameter_that_is_not_an_integer(client: SpecClient, problem: Problem) -> None:
    """GET /accounts/abc answers 422 with an int_parsing error at ["path", "account_id"]."""
    for path in ("/accounts/abc", "/accounts/1.5", "/accounts/0x10"):
        response = await client.get(path)
        expect_error(response, errors_of(response, problem), ["path", "account_id"], "int_parsing")


@pytest.mark.rule("validation-problem", "validation-errors", "validation-covers", "error-type")
async def test_missing_fields(client: SpecClient, problem: Problem) -> None:
    """POST /accounts with {} answers 422 with a "missing" error for owner and for currency."""
    response = await client.post("/accounts", json={})
    errors = errors_of(response, problem)
    expect_error(response, errors, ["body", "owner"], "missing")
    expect_error(response, errors, ["body", "currency"], "missing")
    response = await client.post("/transfers", json={"source_id": 1, "target_id": 2})
    expect_error(response, errors_of(response, problem), ["body", "amount_cents"], "missing")


@pytest.mark.rule("validation-problem", "validation-covers", "no-echo", "error-msg")
async def test_extra_field_is_refused_without_echo(
    client: SpecClient, problem: Problem, leaks: Leaks, open_account: OpenAccount
) -> None:
    """POST /accounts with a balance_cents field: 422 extra_forbidden, and the value not echoed."""
    sent = {"owner": "Ada", "currency": "EUR", "balance_cents": 987654321}
    response = await client.post("/accounts", json=sent)
    errors = errors_of(response, problem)
    expect_error(response, errors, ["body", "balance_cents"], "extra_forbidden")
    leaks(response, "987654321")
    account = await open_account(owner="Bea")
    if account.get("balance_cents") != 0:
        raise fail(f"POST /accounts → a new account holds 0 cents, got {account!r}")


@pytest.mark.rule("validation-problem", "validation-covers", "no-echo", "no-input")
async def test_wrong_types_are_not_echoed(
    client: SpecClient, problem: Problem, leaks: Leaks
) -> None:
    """A wrong type, a wrong choice and a too-long owner: 422s that never echo the values sent."""
    response = await client.post(
        "/transfers",
        json={"source_id": "canary-src-41", "target_id": 2, "amount_cents": "canary-amt-42"},
    )
    errors = errors_of(response, problem)
    expect_error(response, errors, ["body", "source_id"], "int_parsing")
    expect_error(response, errors, ["body", "amount_cents"], "int_parsing")
    leaks(response, "canary-src-41", "canary-amt-42")
    owner = "Ada-canary-owner-" + "x" * 40
    response = await client.post("/accounts", json={"owner": owner, "currency": "canary-CHF"})
    errors = errors_of(response, problem)
    expect_error(response, errors, ["body", "owner"], "string_too_long")
    expect_error(response, errors, ["body", "currency"], "literal_error")
    leaks(response, "canary-owner", "canary-CHF")
    for error in errors:
        if "input" in error or "ctx" in error:
            raise fail(f"{call(response)} → an error carries what the client sent: {error!r}")


@pytest.mark.rule("validation-problem", "validation-covers", "no-echo")
async def test_body_that_is_not_json(client: SpecClient, problem: Problem, leaks: Leaks) -> None:
    """A body that is not JSON, or not an object, answers a 422 problem that echoes none of it."""
    for body in (b'{"owner": "canary-json-77", "currency": ', b"canary-json-77", b"[1, 2, 3]"):
        response = await client.post(
            "/accounts", content=body, headers={"Content-Type": "application/json"}
        )
        errors_of(response, problem)
        leaks(response, "canary-json-77")


@pytest.mark.rule("validation-problem", "validation-covers", "no-echo")
async def test_out_of_range_on_both_sides(
    client: SpecClient, problem: Problem, leaks: Leaks, open_account: OpenAccount
) -> None:
    """amount_cents 0, 1000001 and 2**64 answer 422 problems; 1 and 1000000 are deposited."""
    account = await open_account()
    path = f"/accounts/{account['id']}/deposits"
    for amount, kind in (
        (0, "greater_than"),
        (1_000_001, "less_than_equal"),
        (2**64, "less_than_equal"),
    ):
        response = await client.post(path, json={"amount_cents": amount})
        expect_error(response, errors_of(response, problem), ["body", "amount_cents"], kind)
        if amount > 1_000_000:
            leaks(response, str(amount))
    for amount in (1, 1_000_000):
        response = await client.post(path, json={"amount_cents": amount})
        if response.status_code != 200:
            raise fail(f"{call(response)} with amount_cents {amount} → expected 200, got "
                       f"{response.status_code}: {response.text[:160]}")  # fmt: skip
    listed = expect_list(await client.get("/accounts"))
    if [item.get("balance_cents") for item in listed] != [1_000_001]:
        raise fail(f"GET /accounts after depositing 1 and 1000000 → {listed!r}")


@pytest.mark.rule("no-echo")
async def test_query_string_is_not_echoed(
    client: SpecClient, problem: Problem, leaks: Leaks
) -> None:
    """A refused request's query string is echoed nowhere: not in instance, not in errors."""
    response = await client.post(
        "/transfers", params={"memo": "canary-query-55"}, json={"source_id": 1}
    )
    errors_of(response, problem)
    leaks(response, "canary-query-55")
