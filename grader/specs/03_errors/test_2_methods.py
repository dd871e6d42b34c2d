"""Task 2: 405 with the path's whole Allow, HEAD answered like GET, OPTIONS answered at all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, fail

pytestmark = pytest.mark.task(2)

Problem = Callable[..., dict[str, Any]]
OpenAccount = Callable[..., Awaitable[dict[str, Any]]]

ACCOUNTS = {"GET", "HEAD", "POST", "OPTIONS"}
ONE_ACCOUNT = {"GET", "HEAD", "OPTIONS"}
POST_ONLY = {"POST", "OPTIONS"}


def allow(response: httpx.Response) -> set[str]:
    """The methods of the response's Allow header; fails if it is missing or repeats one."""
    values = response.headers.get_list("Allow")
    if not values:
        raise fail(f"{call(response)} → the {response.status_code} has no Allow header")
    methods = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if len(methods) != len(set(methods)):
        raise fail(f"{call(response)} → Allow names a method twice: {', '.join(values)!r}")
    return set(methods)


def expect_allow(response: httpx.Response, expected: set[str]) -> None:
    methods = allow(response)
    if methods != expected:
        order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        shown = ", ".join(sorted(expected, key=order.index))
        raise fail(
            f"{call(response)} → Allow should list {shown}, got "
            f"{response.headers.get('Allow')!r}"
            + (f" (missing {', '.join(sorted(expected - methods))})" if expected - methods else "")
        )


def expect_empty(response: httpx.Response) -> None:
    if response.content:
        raise fail(
            f"{call(response)} → the {response.status_code} must have an empty body, got "
            f"{response.content[:80]!r}"
        )


@pytest.mark.rule("method-not-allowed", "allow-header", "allow-format", "allow-put-accounts")
async def test_405_lists_every_route_of_the_path(client: SpecClient, problem: Problem) -> None:
    """PUT /accounts answers a 405 problem with Allow: GET, HEAD, POST, OPTIONS."""
    response = await client.put("/accounts", json={"owner": "Ada", "currency": "EUR"})
    problem(response, 405)
    expect_allow(response, ACCOUNTS)
    response = await client.delete("/accounts")
    problem(response, 405)
    expect_allow(response, ACCOUNTS)


@pytest.mark.rule("method-not-allowed", "allow-header", "allow-format", "allow-delete-account")
async def test_405_on_one_account(client: SpecClient, problem: Problem) -> None:
    """DELETE /accounts/7 answers a 405 problem with Allow: GET, HEAD, OPTIONS."""
    response = await client.delete("/accounts/7")
    problem(response, 405)
    expect_allow(response, ONE_ACCOUNT)
    response = await client.patch("/accounts/7", json={"owner": "Eve"})
    problem(response, 405)
    expect_allow(response, ONE_ACCOUNT)


@pytest.mark.rule(
    "method-not-allowed",
    "allow-header",
    "allow-format",
    "allow-get-transfers",
    "allow-patch-deposits",
)
async def test_405_on_post_only_paths(client: SpecClient, problem: Problem) -> None:
    """GET /transfers and PATCH /accounts/7/deposits answer 405 with Allow: POST, OPTIONS."""
    for response in (
        await client.get("/transfers"),
        await client.patch("/accounts/7/deposits", json={"amount_cents": 5}),
        await client.get("/accounts/7/close"),
    ):
        problem(response, 405)
        expect_allow(response, POST_ONLY)


@pytest.mark.rule("head")
async def test_head_answers_like_get(client: SpecClient, open_account: OpenAccount) -> None:
    """HEAD /accounts and HEAD /accounts/{id} answer 200 with GET's application/json."""
    account = await open_account()
    for path in ("/accounts", f"/accounts/{account['id']}"):
        response = await client.head(path)
        if response.status_code != 200:
            raise fail(f"{call(response)} → expected 200, as GET {path} answers, got "
                       f"{response.status_code}")  # fmt: skip
        kind = response.headers.get("content-type", "")
        if kind.split(";")[0].strip() != "application/json":
            raise fail(f"{call(response)} → expected GET's Content-Type application/json, "
                       f"got {kind!r}")  # fmt: skip


@pytest.mark.rule("head")
async def test_head_of_an_error_is_the_problem(client: SpecClient) -> None:
    """HEAD /accounts/999 answers 404 and HEAD /accounts/abc 422, as application/problem+json."""
    for path, status in (("/accounts/999", 404), ("/accounts/abc", 422)):
        response = await client.head(path)
        if response.status_code != status:
            raise fail(f"{call(response)} → expected {status}, as GET {path} answers, got "
                       f"{response.status_code}")  # fmt: skip
        kind = response.headers.get("content-type", "")
        if kind.split(";")[0].strip() != "application/problem+json":
            raise fail(f"{call(response)} → expected GET's Content-Type application/problem+json,"
                       f" got {kind!r}")  # fmt: skip


@pytest.mark.rule("head-elsewhere", "method-not-allowed")
async def test_head_where_there_is_no_get(client: SpecClient) -> None:
    """HEAD /transfers answers 405 with Allow: POST, OPTIONS, and HEAD /nope 404."""
    response = await client.head("/transfers")
    if response.status_code != 405:
        raise fail(f"{call(response)} → expected 405 (no GET here), got {response.status_code}")
    expect_allow(response, POST_ONLY)
    response = await client.head("/nope")
    if response.status_code != 404:
        raise fail(f"{call(response)} → expected 404, got {response.status_code}")


@pytest.mark.rule("options")
async def test_options_lists_the_methods(anonymous: SpecClient) -> None:
    """OPTIONS answers 204, an empty body and the path's Allow, without a token."""
    for path, expected in (
        ("/accounts", ACCOUNTS),
        ("/accounts/7", ONE_ACCOUNT),
        ("/transfers", POST_ONLY),
        ("/accounts/7/deposits", POST_ONLY),
        ("/accounts/abc/close", POST_ONLY),
    ):
        response = await anonymous.options(path)
        if response.status_code != 204:
            raise fail(f"{call(response)} → expected 204, got {response.status_code}: "
                       f"{response.text[:120]}")  # fmt: skip
        expect_allow(response, expected)
        expect_empty(response)


@pytest.mark.rule("options-unknown", "unknown-route")
async def test_options_and_other_methods_on_unknown_paths(
    client: SpecClient, problem: Problem
) -> None:
    """OPTIONS, PUT and PATCH on paths no route matches answer 404 problems, never 204 or 405."""
    problem(await client.options("/nope"), 404)
    problem(await client.options("/accounts/7/withdrawals"), 404)
    problem(await client.put("/nope/7"), 404)
    problem(await client.patch("/transfers/7"), 404)
