"""Task 3: one organisation's data, and nobody else's: lists, searches, counts and single reads."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_json, expect_list, expect_object, fail

pytestmark = pytest.mark.task(3)

ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE, HEIDI = range(1, 9)

Bearer = Callable[..., dict[str, str]]
Expect401 = Callable[[httpx.Response, str], None]
ExpectHidden = Callable[[httpx.Response, str], Awaitable[None]]
Expenses = dict[int, dict[str, Any]]

NAMES = {1: "alice", 2: "bob", 3: "carol", 4: "dave", 5: "erin", 6: "frank", 7: "grace"}


def ids_of(response: httpx.Response, why: str) -> list[Any]:
    body = expect_list(response, 200)
    return [item.get("id") if isinstance(item, dict) else item for item in body]


def expect_ids(response: httpx.Response, expected: list[int], why: str) -> None:
    ids = ids_of(response, why)
    if ids != expected:
        raise fail(f"{call(response)} {why} → expected the expenses {expected}, got {ids}")


def expect_summary(response: httpx.Response, count: int, total: int, why: str) -> None:
    body = expect_json(response, 200)
    expected = {"count": count, "total_cents": total}
    if body != expected:
        raise fail(f"{call(response)} {why} → expected {json.dumps(expected)}, got {body}")


async def create(client: SpecClient, headers: dict[str, str], description: str, cents: int) -> int:
    response = await client.post(
        "/expenses", json={"amount_cents": cents, "description": description}, headers=headers
    )
    return int(expect_object(response, 201, "id")["id"])


@pytest.mark.rule("sees-organisation", "expense-list", "hidden-404")
async def test_managers_and_admins_see_their_organisation(
    client: SpecClient, bearer: Bearer, expect_hidden: ExpectHidden, seeded_expenses: Expenses
) -> None:
    """GET /expenses lists every expense of a manager's or an admin's organisation, by id;
    GET /expenses/{id} answers them, and a hidden 404 for the other organisation's."""
    for user, ids in [(BOB, [1, 2, 3, 4]), (ALICE, [1, 2, 3, 4]), (FRANK, [5, 6, 7])]:
        response = await client.get("/expenses", headers=bearer(user))
        expect_ids(response, ids, f"as {NAMES[user]}")
        expected = [seeded_expenses[expense_id] for expense_id in ids]
        if response.json() != expected:
            raise fail(f"{call(response)} as {NAMES[user]} → expected {expected}")
    expect_ids(await client.get("/expenses", headers=bearer(ERIN)), [5, 6, 7], "as erin")
    for user, expense_id in [(BOB, 3), (ALICE, 1), (FRANK, 7), (ERIN, 6)]:
        response = await client.get(f"/expenses/{expense_id}", headers=bearer(user))
        if expect_json(response, 200) != seeded_expenses[expense_id]:
            raise fail(
                f"{call(response)} as {NAMES[user]} → expected {seeded_expenses[expense_id]}"
            )
    for user, expense_id in [(FRANK, 1), (ERIN, 4), (BOB, 5), (ALICE, 7)]:
        response = await client.get(f"/expenses/{expense_id}", headers=bearer(user))
        await expect_hidden(response, f"as {NAMES[user]}, of the other organisation")


@pytest.mark.rule("filter-status")
async def test_status_filter(client: SpecClient, bearer: Bearer) -> None:
    """GET /expenses?status=... keeps the expenses of that status, among those the caller sees."""
    for user, status, ids in [
        (BOB, "approved", [2]),
        (BOB, "submitted", [1, 3, 4]),
        (CAROL, "submitted", [1]),
        (CAROL, "approved", [2]),
        (DAVE, "approved", []),
        (FRANK, "approved", [6]),
    ]:
        response = await client.get("/expenses", params={"status": status}, headers=bearer(user))
        expect_ids(response, ids, f"as {NAMES[user]}")
    for status in ("rejected", "Approved", ""):
        response = await client.get("/expenses", params={"status": status}, headers=bearer(BOB))
        if response.status_code != 422:
            raise fail(f"{call(response)} → expected 422, got {response.status_code}")


@pytest.mark.rule("filter-q", "search-scoped")
async def test_search_stays_in_what_the_caller_sees(client: SpecClient, bearer: Bearer) -> None:
    """GET /expenses?q=... finds descriptions containing q, ignoring case, only among the
    caller's visible expenses; with status too, both filters apply."""
    for user, params, ids in [
        (BOB, {"q": "taxi"}, [1, 4]),
        (BOB, {"q": "TAXI"}, [1, 4]),
        (FRANK, {"q": "taxi"}, [5]),
        (CAROL, {"q": "Taxi"}, [1]),
        (GRACE, {"q": "taxi"}, [5]),
        (DAVE, {"q": "taxi"}, []),
        (ERIN, {"q": "o"}, [5, 6, 7]),
        (BOB, {"q": "ight"}, [3]),
        (BOB, {"q": "nights"}, [3]),
        (BOB, {"q": "taxi", "status": "submitted"}, [1, 4]),
        (BOB, {"q": "a", "status": "approved"}, [2]),
        (ALICE, {"q": "Coffee"}, []),
        (ALICE, {"q": "taxi to the airport!"}, []),
    ]:
        response = await client.get("/expenses", params=params, headers=bearer(user))
        expect_ids(response, ids, f"as {NAMES[user]}")


@pytest.mark.rule("filter-q")
async def test_search_characters_stand_for_themselves(client: SpecClient, bearer: Bearer) -> None:
    """GET /expenses?q=... treats %, _, \\, quotes and SQL as plain characters to find."""
    percent = await create(client, bearer(CAROL), "Printer paper, 50% recycled", 1500)
    underscore = await create(client, bearer(CAROL), "Cable_3m", 900)
    backslash = await create(client, bearer(DAVE), "Share \\\\files\\docs", 100)
    quote = await create(client, bearer(DAVE), "Dinner at O'Brien's", 4500)
    await create(client, bearer(GRACE), "Toner, 100% black_ink \\ O'Neil", 8000)
    for q, ids in [
        ("%", [percent]),
        ("50%", [percent]),
        ("0%", [percent]),
        ("%r", []),
        ("_", [underscore]),
        ("e_3", [underscore]),
        ("_3m", [underscore]),
        ("\\", [backslash]),
        ("\\d", [backslash]),
        ("'", [quote]),
        ("O'B", [quote]),
        ("' OR '1'='1", []),
        ('" OR 1=1 --', []),
        ("[a-z]", []),
        (".*", []),
    ]:
        response = await client.get("/expenses", params={"q": q}, headers=bearer(ALICE))
        expect_ids(response, ids, f"as alice (q is {q!r})")


@pytest.mark.rule("summary", "summary-scoped", "filter-q", "filter-status", "challenge-401")
async def test_summary_counts_what_the_list_shows(
    client: SpecClient, bearer: Bearer, expect_401: Expect401
) -> None:
    """GET /expenses/summary counts and sums exactly the expenses GET /expenses would list,
    with the same status and q; none found is 0 and 0."""
    for user, count, total in [
        (BOB, 4, 4200 + 1250 + 18900 + 3000),
        (ALICE, 4, 4200 + 1250 + 18900 + 3000),
        (CAROL, 2, 4200 + 1250),
        (DAVE, 1, 18900),
        (FRANK, 3, 5100 + 700 + 15000),
        (GRACE, 2, 5100 + 15000),
    ]:
        response = await client.get("/expenses/summary", headers=bearer(user))
        expect_summary(response, count, total, f"as {NAMES[user]}")
    await create(client, bearer(GRACE), "Taxi_50%", 333)
    for user, params, count, total in [
        (BOB, {"status": "approved"}, 1, 1250),
        (BOB, {"status": "submitted"}, 3, 4200 + 18900 + 3000),
        (BOB, {"q": "taxi"}, 2, 4200 + 3000),
        (BOB, {"q": "TAXI", "status": "submitted"}, 2, 4200 + 3000),
        (CAROL, {"q": "taxi"}, 1, 4200),
        (FRANK, {"q": "taxi"}, 2, 5100 + 333),
        (BOB, {"q": "%"}, 0, 0),
        (BOB, {"q": "_"}, 0, 0),
        (DAVE, {"status": "approved"}, 0, 0),
        (ALICE, {"q": "Conference"}, 0, 0),
    ]:
        response = await client.get("/expenses/summary", params=params, headers=bearer(user))
        expect_summary(response, count, total, f"as {NAMES[user]}")
    response = await client.get("/expenses/summary", params={"status": "x"}, headers=bearer(BOB))
    if response.status_code != 422:
        raise fail(f"{call(response)} → expected 422, got {response.status_code}")
    expect_401(await client.get("/expenses/summary"), "without credentials")


@pytest.mark.rule("org-from-credentials", "undefined-parameters")
async def test_the_organisation_comes_from_the_token(
    client: SpecClient, bearer: Bearer, expect_hidden: ExpectHidden
) -> None:
    """Query parameters and headers naming another organisation or owner change nothing."""
    forged_params = [
        {"org_id": "2"},
        {"tenant_id": "2"},
        {"organisation_id": "2"},
        {"org": "globex"},
        {"owner_id": "4"},
        {"user_id": "4"},
        {"all": "true"},
    ]
    forged_headers = [
        {"X-Org-Id": "2"},
        {"X-Tenant-Id": "2"},
        {"X-Organisation-Id": "2"},
        {"X-User-Id": "1"},
    ]
    variants: list[tuple[dict[str, str], dict[str, str]]]
    variants = [(params, {}) for params in forged_params]
    variants += [({}, headers) for headers in forged_headers]
    summary = {"count": 4, "total_cents": 27350}
    for params, extra in variants:
        headers = {**bearer(BOB), **extra}
        sent = f"as bob with {params or extra}"
        expect_ids(
            await client.get("/expenses", params=params, headers=headers), [1, 2, 3, 4], sent
        )
        response = await client.get("/expenses/summary", params=params, headers=headers)
        if expect_json(response, 200) != summary:
            raise fail(f"{call(response)} {sent} → expected {summary}, got {response.json()}")
        await expect_hidden(await client.get("/expenses/5", params=params, headers=headers), sent)
    for params, extra in variants:
        sent = f"as carol with {params or extra}"
        headers = {**bearer(CAROL), **extra}
        expect_ids(await client.get("/expenses", params=params, headers=headers), [1, 2], sent)
