"""Task 2: your own expenses. Creating, reading and changing them; other people's stay hidden."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import httpx
import pytest

from grader.kit import SpecClient, call, expect_json, expect_list, expect_object, fail

pytestmark = pytest.mark.task(2)

ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE, HEIDI = range(1, 9)

Bearer = Callable[..., dict[str, str]]
Expect401 = Callable[[httpx.Response, str], None]
Expect403 = Callable[[httpx.Response, str], None]
ExpectHidden = Callable[[httpx.Response, str], Awaitable[None]]
Expenses = dict[int, dict[str, Any]]


class Database(Protocol):
    def row(self, table: str, row_id: int) -> dict[str, Any]: ...


def expect_expense(response: httpx.Response, expected: dict[str, Any], status: int = 200) -> None:
    body = expect_json(response, status)
    if body != expected:
        raise fail(f"{call(response)} → expected {json.dumps(expected)}, got {json.dumps(body)}")


def expect_ids(response: httpx.Response, expected: list[int], why: str) -> list[dict[str, Any]]:
    body = expect_list(response, 200)
    ids = [item.get("id") if isinstance(item, dict) else item for item in body]
    if ids != expected:
        raise fail(f"{call(response)} {why} → expected the expenses {expected}, got {ids}")
    return body


async def unchanged(
    client: SpecClient, headers: dict[str, str], expense: dict[str, Any], after: str
) -> None:
    response = await client.get(f"/expenses/{expense['id']}", headers=headers)
    body = expect_json(response, 200)
    if body != expense:
        raise fail(f"{after} → expense {expense['id']} changed: {call(response)} shows {body}")


@pytest.mark.rule("expense-create", "expense-new", "expense-shape")
async def test_create_an_expense(client: SpecClient, bearer: Bearer) -> None:
    """POST /expenses answers 201 with a new submitted expense of the caller's, found by GET."""
    response = await client.post(
        "/expenses", json={"amount_cents": 990, "description": "Parking"}, headers=bearer(CAROL)
    )
    body = expect_object(response, 201, "id")
    expected = {
        "id": body["id"],
        "owner_id": CAROL,
        "amount_cents": 990,
        "description": "Parking",
        "status": "submitted",
        "approved_by": None,
    }
    if body != expected or not isinstance(body["id"], int) or body["id"] in range(1, 8):
        raise fail(
            f"{call(response)} → expected a new id (not 1 to 7) and {json.dumps(expected)}, "
            f"got {json.dumps(body)}"
        )
    expect_expense(await client.get(f"/expenses/{body['id']}", headers=bearer(CAROL)), expected)
    listed = expect_ids(
        await client.get("/expenses", headers=bearer(CAROL)), [1, 2, body["id"]], "as carol"
    )
    if listed[-1] != expected:
        raise fail(f"GET /expenses as carol → the new expense is listed as {listed[-1]}")


@pytest.mark.rule("expense-create-limits")
async def test_create_limits(client: SpecClient, bearer: Bearer) -> None:
    """POST /expenses takes amounts of 1 to 1000000 and descriptions of 1 to 200 characters."""
    headers = bearer(DAVE)
    ids = [3]
    valid: list[dict[str, Any]] = [
        {"amount_cents": 1, "description": "d"},
        {"amount_cents": 1_000_000, "description": "d" * 200},
    ]
    for sent in valid:
        response = await client.post("/expenses", json=sent, headers=headers)
        created = expect_object(response, 201, "id", "amount_cents", "description")
        if (created["amount_cents"], created["description"]) != tuple(sent.values()):
            raise fail(f"{call(response)} with {json.dumps(sent)} → got {json.dumps(created)}")
        ids.append(created["id"])
    for body, what in [
        ({"amount_cents": 0, "description": "d"}, "amount_cents 0"),
        ({"amount_cents": -100, "description": "d"}, "amount_cents -100"),
        ({"amount_cents": 1_000_001, "description": "d"}, "amount_cents 1000001"),
        ({"amount_cents": 100, "description": ""}, "an empty description"),
        ({"amount_cents": 100, "description": "d" * 201}, "a description of 201 characters"),
        ({"amount_cents": None, "description": "d"}, "amount_cents null"),
        ({"amount_cents": 100, "description": None}, "description null"),
        ({"description": "d"}, "no amount_cents"),
        ({"amount_cents": 100}, "no description"),
    ]:
        response = await client.post("/expenses", json=body, headers=headers)
        if response.status_code != 422:
            raise fail(f"{call(response)} with {what} → expected 422, got {response.status_code}")
    expect_ids(
        await client.get("/expenses", headers=headers),
        ids,
        "as dave, after two valid and nine refused POSTs",
    )


@pytest.mark.rule("expense-list", "expense-read", "expense-shape", "sees-member")
async def test_members_see_their_own(
    client: SpecClient, bearer: Bearer, seeded_expenses: Expenses
) -> None:
    """GET /expenses lists a member's own expenses only, by id; GET /expenses/{id} answers one."""
    for user, name, ids in [
        (CAROL, "carol", [1, 2]),
        (DAVE, "dave", [3]),
        (GRACE, "grace", [5, 7]),
    ]:
        body = expect_ids(await client.get("/expenses", headers=bearer(user)), ids, f"as {name}")
        expected = [seeded_expenses[expense_id] for expense_id in ids]
        if body != expected:
            raise fail(f"GET /expenses as {name} → expected {expected}, got {body}")
        for expense_id in ids:
            response = await client.get(f"/expenses/{expense_id}", headers=bearer(user))
            expect_expense(response, seeded_expenses[expense_id])


@pytest.mark.rule("sees-member", "hidden-404", "object-404")
async def test_members_cannot_read_other_peoples(
    client: SpecClient, bearer: Bearer, expect_hidden: ExpectHidden
) -> None:
    """GET /expenses/{id} answers a member 404, as for no such id, for a colleague's or another
    organisation's expense."""
    response = await client.get("/expenses/1", headers=bearer(CAROL))
    if response.status_code != 200:
        raise fail(
            f"{call(response)} as carol, its owner → expected 200, got {response.status_code}"
        )
    for user, name, expense_id in [
        (CAROL, "carol", 3),
        (CAROL, "carol", 4),
        (DAVE, "dave", 1),
        (CAROL, "carol", 5),
        (GRACE, "grace", 6),
        (GRACE, "grace", 1),
    ]:
        response = await client.get(f"/expenses/{expense_id}", headers=bearer(user))
        await expect_hidden(response, f"as {name}")


@pytest.mark.rule("ids")
async def test_ids_that_name_nothing(
    client: SpecClient, bearer: Bearer, no_such_ids: tuple[str, ...]
) -> None:
    """GET and PATCH /expenses/{id} answer 404 (or 422) to ids 0, negative and past 2**63 either
    way; 422 to `abc`."""
    headers = bearer(ALICE)
    for method, body in (("GET", None), ("PATCH", {"amount_cents": 1})):
        for expense_id in no_such_ids:
            response = await client.request(
                method, f"/expenses/{expense_id}", json=body, headers=headers
            )
            if response.status_code not in (404, 422):
                raise fail(f"{call(response)} → expected 404 or 422, got {response.status_code}")
        response = await client.request(method, "/expenses/abc", json=body, headers=headers)
        if response.status_code != 422:
            raise fail(f"{call(response)} → expected 422, got {response.status_code}")


@pytest.mark.rule("expense-patch")
async def test_owner_patches_an_expense(
    client: SpecClient, bearer: Bearer, seeded_expenses: Expenses
) -> None:
    """PATCH /expenses/{id} changes the fields sent, keeps the others, and persists."""
    headers = bearer(CAROL)
    expense = seeded_expenses[1]
    for changes in ({"amount_cents": 4300}, {"description": "Taxi"}, {}):
        expense = {**expense, **changes}
        response = await client.patch("/expenses/1", json=changes, headers=headers)
        expect_expense(response, expense)
    expect_expense(await client.get("/expenses/1", headers=headers), expense)
    last: dict[str, Any] = {"amount_cents": 1_000_000, "description": "A" * 200}
    expense = {**expense, **last}
    expect_expense(await client.patch("/expenses/1", json=last, headers=headers), expense)


@pytest.mark.rule("expense-patch-limits")
async def test_patch_limits(client: SpecClient, bearer: Bearer, seeded_expenses: Expenses) -> None:
    """PATCH /expenses/{id} refuses with 422, changing nothing, values out of bounds and null."""
    headers = bearer(CAROL)
    for body in (
        {"amount_cents": 0},
        {"amount_cents": 1_000_001},
        {"description": ""},
        {"description": "d" * 201},
        {"amount_cents": None},
        {"description": None},
        {"amount_cents": 500, "description": None},
    ):
        response = await client.patch("/expenses/1", json=body, headers=headers)
        if response.status_code != 422:
            raise fail(
                f"{call(response)} with {json.dumps(body)} → expected 422, got "
                f"{response.status_code}"
            )
    await unchanged(client, headers, seeded_expenses[1], "after the refused PATCHes")


@pytest.mark.rule("approved-frozen", "state-409")
async def test_approved_expense_is_frozen(
    client: SpecClient, bearer: Bearer, seeded_expenses: Expenses
) -> None:
    """PATCH /expenses/{id} answers its owner 409 for an approved expense, and changes nothing."""
    for user, expense_id in [(CAROL, 2), (FRANK, 6)]:
        response = await client.patch(
            f"/expenses/{expense_id}", json={"amount_cents": 9999}, headers=bearer(user)
        )
        if response.status_code != 409:
            raise fail(
                f"{call(response)} by its owner → expected 409 (approved), got "
                f"{response.status_code}"
            )
        await unchanged(client, bearer(user), seeded_expenses[expense_id], call(response))


@pytest.mark.rule("owner-only", "sees-member", "hidden-404")
async def test_patching_what_one_cannot_see_is_404(
    client: SpecClient, bearer: Bearer, expect_hidden: ExpectHidden, seeded_expenses: Expenses
) -> None:
    """PATCH /expenses/{id} answers 404, as for no such id, to a member who cannot see the
    expense, and to the other organisation's admins and managers."""
    for user, name, expense_id in [
        (CAROL, "carol", 3),
        (DAVE, "dave", 1),
        (GRACE, "grace", 1),
        (ERIN, "erin", 1),
        (FRANK, "frank", 3),
        (ALICE, "alice", 5),
    ]:
        response = await client.patch(
            f"/expenses/{expense_id}", json={"amount_cents": 1}, headers=bearer(user)
        )
        await expect_hidden(response, f"as {name}, who cannot see it")
    await unchanged(client, bearer(DAVE), seeded_expenses[3], "after carol's and frank's PATCH")
    await unchanged(client, bearer(CAROL), seeded_expenses[1], "after the others' PATCH")
    await unchanged(client, bearer(GRACE), seeded_expenses[5], "after alice's PATCH")


@pytest.mark.rule("owner-only", "owner-changes", "check-order", "action-403")
async def test_managers_cannot_patch_colleagues(
    client: SpecClient, bearer: Bearer, expect_403: Expect403, seeded_expenses: Expenses
) -> None:
    """PATCH /expenses/{id} answers 403 to a manager or admin who can see, but does not own it."""
    for user, name, expense_id in [
        (BOB, "bob", 3),
        (ALICE, "alice", 1),
        (ALICE, "alice", 4),
        (FRANK, "frank", 7),
        (BOB, "bob", 2),
    ]:
        response = await client.patch(
            f"/expenses/{expense_id}", json={"description": "Edited"}, headers=bearer(user)
        )
        expect_403(response, f"as {name}, who can see it but does not own it")
        await unchanged(
            client, bearer(user), seeded_expenses[expense_id], f"{call(response)} as {name}"
        )
    body = {"amount_cents": 2500, "description": "Admin's taxi"}
    alices = expect_json(await client.post("/expenses", json=body, headers=bearer(ALICE)), 201)
    response = await client.patch(
        f"/expenses/{alices['id']}", json={"description": "Edited"}, headers=bearer(BOB)
    )
    expect_403(response, "as bob, a manager, about alice's expense")
    await unchanged(client, bearer(ALICE), alices, f"{call(response)} as bob")


FORGED = {"owner_id": DAVE, "org_id": 2, "status": "approved", "approved_by": BOB, "id": 1}


@pytest.mark.rule("server-owned", "org-from-credentials")
async def test_create_ignores_server_owned_fields(
    client: SpecClient, bearer: Bearer, database: Database, seeded_expenses: Expenses
) -> None:
    """POST /expenses never applies an owner, organisation, status, approver or id sent by the
    client: the expense is the caller's, submitted, in the caller's organisation."""
    for field, value in FORGED.items():
        body = {"amount_cents": 700, "description": f"Forged {field}", field: value}
        response = await client.post("/expenses", json=body, headers=bearer(CAROL))
        if response.status_code == 422:
            continue
        created = expect_object(response, 201, "id", "owner_id", "status", "approved_by")
        sent = f"{call(response)} with {json.dumps(body)}"
        if created["id"] in range(1, 8):
            raise fail(f"{sent} → the client chose the id: {created['id']}")
        if created["owner_id"] != CAROL or created["status"] != "submitted":
            raise fail(f"{sent} → expected owner_id 3 and status submitted, got {created}")
        if created["approved_by"] is not None:
            raise fail(f'{sent} → expected "approved_by": null, got {created["approved_by"]}')
        if database.row("expenses", created["id"])["org_id"] != 1:
            raise fail(f"{sent} → the expense was stored in another organisation")
        for user, name in [(FRANK, "frank"), (ERIN, "erin")]:
            seen = await client.get(f"/expenses/{created['id']}", headers=bearer(user))
            if seen.status_code != 404:
                raise fail(
                    f"{sent} → {call(seen)} as {name}, of Globex, answers {seen.status_code}"
                )
    await unchanged(client, bearer(CAROL), seeded_expenses[1], "after the POSTs with id 1")


@pytest.mark.rule("server-owned")
async def test_patch_ignores_server_owned_fields(
    client: SpecClient, bearer: Bearer, database: Database, seeded_expenses: Expenses
) -> None:
    """PATCH /expenses/{id} never applies an owner, organisation, status, approver or id."""
    # Another id than the one in the path: an id applied moves the expense away from it.
    for field, value in {**FORGED, "id": 99}.items():
        body = {"description": f"Forged {field}", field: value}
        response = await client.patch("/expenses/1", json=body, headers=bearer(CAROL))
        sent = f"{call(response)} with {json.dumps(body)}"
        if response.status_code not in (200, 422):
            raise fail(f"{sent} → expected 200 (field ignored) or 422, got {response.status_code}")
        seen = await client.get("/expenses/1", headers=bearer(CAROL))
        if seen.status_code != 200:
            raise fail(
                f"{sent} → the field was applied: {call(seen)} as carol, its owner, now answers "
                f"{seen.status_code}"
            )
        now = expect_json(seen, 200)
        wanted = {key: seeded_expenses[1][key] for key in ("id", "owner_id", "status")}
        if {key: now.get(key) for key in wanted} != wanted or now.get("approved_by") is not None:
            raise fail(f"{sent} → GET /expenses/1 now shows {now}")
        if database.row("expenses", 1)["org_id"] != 1:
            raise fail(f"{sent} → expense 1 moved to another organisation")
    response = await client.get("/expenses/1", headers=bearer(DAVE))
    if response.status_code != 404:
        raise fail(f"after carol's PATCHes, {call(response)} as dave → {response.status_code}")


@pytest.mark.rule("challenge-401", "credentials-missing")
async def test_expense_endpoints_refuse_anonymous_requests(
    client: SpecClient, expect_401: Expect401
) -> None:
    """POST, GET and PATCH /expenses answer 401 with WWW-Authenticate: Bearer to no credentials."""
    body = {"amount_cents": 100, "description": "Anonymous"}
    for response in (
        await client.post("/expenses", json=body),
        await client.get("/expenses"),
        await client.get("/expenses/1"),
        await client.patch("/expenses/1", json=body),
    ):
        expect_401(response, "without credentials")
