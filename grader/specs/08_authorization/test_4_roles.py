"""Task 4: roles. Approving expenses: who may, which ones, once, and with the role of now."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import httpx
import pytest

from grader.kit import SpecClient, call, expect_json, fail, thread_switches

pytestmark = pytest.mark.task(4)

ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE, HEIDI = range(1, 9)
NAMES = {1: "alice", 2: "bob", 3: "carol", 4: "dave", 5: "erin", 6: "frank", 7: "grace"}

Bearer = Callable[..., dict[str, str]]
Expect401 = Callable[[httpx.Response, str], None]
Expect403 = Callable[[httpx.Response, str], None]
ExpectHidden = Callable[[httpx.Response, str], Awaitable[None]]
Expenses = dict[int, dict[str, Any]]


class Database(Protocol):
    def set_user(self, user_id: int, **columns: Any) -> None: ...


async def approve(
    client: SpecClient, expense_id: int | str, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(f"/expenses/{expense_id}/approve", headers=headers)


async def unchanged(
    client: SpecClient, bearer: Bearer, expense: dict[str, Any], after: str
) -> None:
    """The expense is as given, seen by the admin of its organisation (seeded ids 5 to 7 are
    Globex's, every other id Acme's)."""
    admin = ERIN if expense["id"] in (5, 6, 7) else ALICE
    response = await client.get(f"/expenses/{expense['id']}", headers=bearer(admin))
    body = expect_json(response, 200)
    if body != expense:
        raise fail(f"{after} → expense {expense['id']} changed: {call(response)} shows {body}")


@pytest.mark.rule("approve", "server-owned")
async def test_managers_and_admins_approve(
    client: SpecClient, bearer: Bearer, seeded_expenses: Expenses
) -> None:
    """POST /expenses/{id}/approve answers 200 with the expense, approved by the caller,
    whatever a body says."""
    response = await client.post(
        "/expenses/3/approve",
        json={"approved_by": GRACE, "status": "submitted", "owner_id": BOB, "org_id": 2},
        headers=bearer(BOB),
    )
    expected = {**seeded_expenses[3], "status": "approved", "approved_by": BOB}
    forged_body_taken = response.status_code != 422
    if forged_body_taken and expect_json(response, 200) != expected:
        raise fail(
            f"{call(response)} as bob, with a body naming grace as approver → expected "
            f"{json.dumps(expected)}, got {response.text[:200]}"
        )
    for user, expense_id in [(BOB, 3), (ALICE, 1), (FRANK, 5), (ERIN, 7)]:
        if forged_body_taken and expense_id == 3:
            continue  # approved above
        response = await approve(client, expense_id, bearer(user))
        expected = {**seeded_expenses[expense_id], "status": "approved", "approved_by": user}
        body = expect_json(response, 200)
        if body != expected:
            raise fail(
                f"{call(response)} as {NAMES[user]} → expected {json.dumps(expected)}, got "
                f"{json.dumps(body)}"
            )
        await unchanged(client, bearer, expected, f"{call(response)} as {NAMES[user]}")
    body = {"amount_cents": 2500, "description": "Admin's taxi"}
    alices = expect_json(await client.post("/expenses", json=body, headers=bearer(ALICE)), 201)
    response = await approve(client, alices["id"], bearer(BOB))
    expected = {**alices, "status": "approved", "approved_by": BOB}
    if expect_json(response, 200) != expected:
        raise fail(f"{call(response)} as bob, about alice's expense → got {response.text[:200]}")


@pytest.mark.rule("approve-member", "function-403", "token-no-role", "auth-before-validation")
async def test_members_cannot_approve(
    client: SpecClient, bearer: Bearer, expect_403: Expect403, seeded_expenses: Expenses
) -> None:
    """POST /expenses/{id}/approve answers 403 to a member, whatever the expense, even none,
    and before validating the id."""
    for user, expense_id in [(CAROL, 3), (CAROL, 1), (DAVE, 1), (GRACE, 5), (CAROL, 5)]:
        response = await approve(client, expense_id, bearer(user))
        expect_403(response, f"as {NAMES[user]}, a member with every scope")
    for odd_id in ("999999", "2", "6", "abc", "0", "-3", str(2**64)):
        response = await approve(client, odd_id, bearer(DAVE))
        expect_403(response, "as dave, a member (the role is checked before the expense)")
    for expense_id in (1, 3, 5):
        await unchanged(client, bearer, seeded_expenses[expense_id], "after members' approvals")


@pytest.mark.rule("ids")
async def test_approving_ids_that_name_nothing(
    client: SpecClient, bearer: Bearer, no_such_ids: tuple[str, ...]
) -> None:
    """POST /expenses/{id}/approve answers a manager 404 (or 422) to ids 0, negative and past
    2**63 either way; 422 to `abc`."""
    for expense_id in no_such_ids:
        response = await approve(client, expense_id, bearer(BOB))
        if response.status_code not in (404, 422):
            raise fail(f"{call(response)} as bob → expected 404 or 422, got {response.status_code}")
    response = await approve(client, "abc", bearer(BOB))
    if response.status_code != 422:
        raise fail(f"{call(response)} as bob → expected 422, got {response.status_code}")


@pytest.mark.rule("approve-own", "check-order")
async def test_nobody_approves_their_own(
    client: SpecClient, bearer: Bearer, expect_403: Expect403, seeded_expenses: Expenses
) -> None:
    """POST /expenses/{id}/approve answers 403 for the caller's own expense, approved or not."""
    created = await client.post(
        "/expenses",
        json={"amount_cents": 2500, "description": "Admin's taxi"},
        headers=bearer(ALICE),
    )
    own = expect_json(created, 201)
    for user, expense in [(BOB, seeded_expenses[4]), (FRANK, seeded_expenses[6]), (ALICE, own)]:
        response = await approve(client, expense["id"], bearer(user))
        expect_403(response, f"as {NAMES[user]}, who owns it")
    await unchanged(client, bearer, seeded_expenses[4], "after bob's approval of his own expense")


@pytest.mark.rule("approve-twice", "state-409")
async def test_approved_expense_is_409(
    client: SpecClient, bearer: Bearer, seeded_expenses: Expenses
) -> None:
    """POST /expenses/{id}/approve answers 409 for an approved expense, and keeps its approver."""
    response = await approve(client, 2, bearer(ALICE))
    if response.status_code != 409:
        raise fail(
            f"{call(response)} as alice → expected 409 (approved), got {response.status_code}"
        )
    await unchanged(client, bearer, seeded_expenses[2], call(response))
    expect_json(await approve(client, 3, bearer(BOB)), 200)
    response = await approve(client, 3, bearer(ALICE))
    if response.status_code != 409:
        raise fail(
            f"{call(response)} as alice, after bob approved it → expected 409, got "
            f"{response.status_code}"
        )
    approved = {**seeded_expenses[3], "status": "approved", "approved_by": BOB}
    await unchanged(client, bearer, approved, call(response))


@pytest.mark.rule("approve-hidden", "hidden-404", "challenge-401")
async def test_approving_what_one_cannot_see_is_404(
    client: SpecClient,
    bearer: Bearer,
    expect_hidden: ExpectHidden,
    expect_401: Expect401,
    seeded_expenses: Expenses,
) -> None:
    """POST /expenses/{id}/approve answers 404, as for no such id, outside the organisation
    (and 401 without credentials)."""
    expect_401(await approve(client, 3, {}), "without credentials")
    expect_401(await approve(client, 3, bearer(HEIDI)), "as heidi, not active")
    for user, expense_id in [(BOB, 5), (ALICE, 7), (FRANK, 1), (ERIN, 3)]:
        response = await approve(client, expense_id, bearer(user))
        await expect_hidden(response, f"as {NAMES[user]}, of the other organisation")
    for expense_id in (1, 3, 5, 7):
        await unchanged(client, bearer, seeded_expenses[expense_id], "after approvals from outside")


@pytest.mark.rule("approve-once")
async def test_concurrent_approvals_approve_once(
    client: SpecClient, bearer: Bearer, seeded_expenses: Expenses
) -> None:
    """Twenty approvals of one expense sent at once, for six expenses: each time exactly one
    200, and nineteen 409."""
    targets = [seeded_expenses[1], seeded_expenses[3]]
    for n in range(4):
        body = {"amount_cents": 100 + n, "description": f"Race {n}"}
        created = await client.post("/expenses", json=body, headers=bearer(CAROL if n else DAVE))
        targets.append(expect_json(created, 201))
    approvers = [BOB if n % 2 else ALICE for n in range(20)]
    with thread_switches():  # check-then-act shows
        for expense in targets:
            responses = await asyncio.gather(
                *(approve(client, expense["id"], bearer(user)) for user in approvers)
            )
            statuses = [response.status_code for response in responses]
            winners = [
                user for user, status in zip(approvers, statuses, strict=True) if status == 200
            ]
            if len(winners) != 1 or statuses.count(409) != 19:
                raise fail(
                    f"20 concurrent POST /expenses/{expense['id']}/approve as bob and alice → "
                    f"expected one 200 and nineteen 409, got {sorted(statuses)}"
                )
            approved = {**expense, "status": "approved", "approved_by": winners[0]}
            await unchanged(client, bearer, approved, "after 20 concurrent approvals")


@pytest.mark.rule("role-now", "fresh", "role-fresh")
async def test_the_role_is_the_role_of_now(
    client: SpecClient,
    bearer: Bearer,
    expect_403: Expect403,
    expect_hidden: ExpectHidden,
    database: Database,
    seeded_expenses: Expenses,
) -> None:
    """A manager made a member in the database can no longer approve and sees only their own;
    a member made a manager approves at once, with the token they already hold."""
    headers = bearer(BOB)
    summary = expect_json(await client.get("/expenses/summary", headers=headers), 200)
    if summary != {"count": 4, "total_cents": 27350}:
        raise fail(f"GET /expenses/summary as bob, a manager → got {summary}")
    database.set_user(BOB, role="member")
    expect_403(await approve(client, 3, headers), "as bob, made a member since his token")
    response = await client.get("/expenses", headers=headers)
    ids = [item.get("id") for item in expect_json(response, 200)]
    if ids != [4]:
        raise fail(f"{call(response)} as bob, made a member → expected only his own [4], got {ids}")
    await expect_hidden(await client.get("/expenses/3", headers=headers), "as bob, now a member")
    summary = expect_json(await client.get("/expenses/summary", headers=headers), 200)
    if summary != {"count": 1, "total_cents": 3000}:
        raise fail(f"GET /expenses/summary as bob, made a member → expected his own, got {summary}")
    headers = bearer(CAROL)
    expect_json(await client.get("/users/me", headers=headers), 200)
    database.set_user(CAROL, role="manager")
    response = await approve(client, 3, headers)
    expected = {**seeded_expenses[3], "status": "approved", "approved_by": CAROL}
    if response.status_code != 200 or response.json() != expected:
        raise fail(
            f"{call(response)} as carol, made a manager since her token → expected 200 and "
            f"{json.dumps(expected)}, got {response.status_code}: {response.text[:160]}"
        )
    response = await client.get("/expenses", headers=headers)
    ids = [item.get("id") for item in expect_json(response, 200)]
    if ids != [1, 2, 3, 4]:
        raise fail(f"{call(response)} as carol, now a manager → expected [1, 2, 3, 4], got {ids}")
