"""Task 6: OAuth2 scopes. Every endpoint needs every one of its scopes, and no more."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_json, fail

pytestmark = pytest.mark.task(6)

ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE, HEIDI = range(1, 9)
NAMES = {1: "alice", 2: "bob", 3: "carol", 4: "dave", 5: "erin", 6: "frank", 7: "grace"}
ALL_SCOPES = {"expenses:read", "expenses:write", "expenses:approve", "admin"}
READ, WRITE, APPROVE, ADMIN = "expenses:read", "expenses:write", "expenses:approve", "admin"

Bearer = Callable[..., dict[str, str]]
Expect401 = Callable[[httpx.Response, str], None]
Expect403 = Callable[[httpx.Response, str], None]
ExpectScope403 = Callable[[httpx.Response, set[str], str], None]
CreateKey = Callable[..., Awaitable[dict[str, Any]]]

#: (method, path, body, who may use it, the scopes it requires, the status of a success); a
#: `{key}` in the path is the id of a key alice creates first.
Endpoint = tuple[str, str, dict[str, Any] | None, int, set[str], int]
ROWS: dict[str, list[Endpoint]] = {
    "profile": [
        ("GET", "/users/me", None, CAROL, set(), 200),
        ("PATCH", "/users/me", {"display_name": "Carol C."}, CAROL, set(), 200),
    ],
    "reads": [
        ("GET", "/expenses", None, CAROL, {READ}, 200),
        ("GET", "/expenses/summary", None, CAROL, {READ}, 200),
        ("GET", "/expenses/1", None, CAROL, {READ}, 200),
    ],
    "writes": [
        ("POST", "/expenses", {"amount_cents": 800, "description": "Lunch"}, CAROL, {WRITE}, 201),
        ("PATCH", "/expenses/1", {"description": "Taxi"}, CAROL, {WRITE}, 200),
    ],
    "approve": [("POST", "/expenses/3/approve", None, BOB, {WRITE, APPROVE}, 200)],
    "admin": [
        ("GET", "/admin/users", None, ALICE, {ADMIN}, 200),
        ("PATCH", "/admin/users/4", {"role": "manager"}, ALICE, {ADMIN}, 200),
        ("GET", "/admin/api-keys", None, ALICE, {ADMIN}, 200),
        ("POST", "/admin/api-keys", {"name": "export"}, ALICE, {ADMIN}, 201),
        ("DELETE", "/admin/api-keys/{key}", None, ALICE, {ADMIN}, 204),
    ],
}


async def send(
    client: SpecClient,
    endpoint: Endpoint,
    headers: dict[str, str],
    create_key: CreateKey,
) -> httpx.Response:
    method, path, body, _, _, _ = endpoint
    if "{key}" in path:
        path = path.format(key=(await create_key(ALICE, "to-delete"))["id"])
    return await client.request(method, path, json=body, headers=headers)


async def snapshot(client: SpecClient, bearer: Bearer) -> list[Any]:
    """What the endpoints above could change, seen with every scope by the admins."""
    seen = []
    for user in (ALICE, CAROL):
        for path in ("/expenses", "/admin/users", "/users/me"):
            response = await client.get(path, headers=bearer(user))
            seen.append(response.json() if response.status_code == 200 else response.status_code)
    return seen


@pytest.mark.rule(
    "scope-missing",
    "scope-challenge",
    "scope-reads",
    "scope-writes",
    "scope-approve",
    "scope-admin",
)
async def test_a_missing_scope_is_403_with_a_challenge(
    client: SpecClient,
    bearer: Bearer,
    expect_scope_403: ExpectScope403,
    create_key: CreateKey,
) -> None:
    """Each endpoint answers 403, WWW-Authenticate: Bearer scope="<its scopes>", and does
    nothing, to a token lacking any one of its scopes."""
    before = await snapshot(client, bearer)
    refused = []
    for endpoint in [endpoint for row in ROWS.values() for endpoint in row]:
        method, path, _, user, required, _ = endpoint
        for missing in sorted(required):
            scopes = ALL_SCOPES - {missing}
            response = await send(client, endpoint, bearer(user, sorted(scopes)), create_key)
            expect_scope_403(
                response, required, f"as {NAMES[user]}, with every scope but {missing}"
            )
            refused.append(call(response))
    after = await snapshot(client, bearer)
    if after != before:
        raise fail(f"{', '.join(refused)}, refused for a missing scope → changed data all the same")
    keys = expect_json(await client.get("/admin/api-keys", headers=bearer(ALICE)), 200)
    # The only keys are those alice made to be deleted: none deleted, none made without scope.
    names = [key.get("name") for key in keys]
    if names != ["to-delete"] * len([path for path in refused if "/api-keys/" in path]):
        raise fail(f"{', '.join(refused)}, refused for a missing scope → the keys are now {names}")


@pytest.mark.rule("scope-all")
async def test_approving_needs_both_scopes(
    client: SpecClient, bearer: Bearer, expect_scope_403: ExpectScope403
) -> None:
    """POST /expenses/{id}/approve needs expenses:write and expenses:approve: one is not enough."""
    required = {WRITE, APPROVE}
    for scopes in ([WRITE], [APPROVE], [READ, APPROVE], [READ, WRITE, ADMIN], []):
        response = await client.post("/expenses/3/approve", headers=bearer(BOB, scopes))
        expect_scope_403(response, required, f"as bob, with the scopes {scopes}")
    response = await client.get("/expenses/3", headers=bearer(BOB))
    if expect_json(response, 200).get("status") != "submitted":
        raise fail(f"{call(response)} → expense 3 was approved by a token without both scopes")


@pytest.mark.rule(
    "scope-enough", "scope-table", "scope-reads", "scope-writes", "scope-approve", "scope-admin"
)
async def test_exactly_the_required_scopes_are_enough(
    client: SpecClient, bearer: Bearer, create_key: CreateKey
) -> None:
    """Each endpoint answers a token carrying exactly its scopes (none for /users/me) as it
    would answer one with every scope."""
    for endpoint in [endpoint for row in ROWS.values() for endpoint in row]:
        method, path, body, user, required, status = endpoint
        response = await send(client, endpoint, bearer(user, sorted(required)), create_key)
        if response.status_code != status:
            raise fail(
                f"{call(response)} as {NAMES[user]}, with exactly the scopes "
                f"{sorted(required) or 'none'} → expected {status}, got {response.status_code}: "
                f"{response.text[:120]}"
            )


@pytest.mark.rule("scope-exact")
async def test_scopes_match_exactly(
    client: SpecClient, bearer: Bearer, mint: Callable[..., str], expect_scope_403: ExpectScope403
) -> None:
    """A scope only counts when spelled exactly: expenses:read:all, Expenses:Read, expenses or a
    comma-separated list are not expenses:read."""
    for scopes in (
        ["expenses:read:all"],
        ["Expenses:Read"],
        ["EXPENSES:READ"],
        ["expenses"],
        ["expenses:rea"],
        ["expenses:*"],
        ["*"],
        ["read"],
        ["expenses:readwrite"],
        ["expenses:read,expenses:write"],
    ):
        response = await client.get("/expenses", headers=bearer(CAROL, scopes))
        expect_scope_403(response, {READ}, f"as carol, with the scopes {scopes}")
    for scopes in (["admin:users"], ["Admin"], ["administrator"], ["adm"]):
        response = await client.get("/admin/users", headers=bearer(ALICE, scopes))
        expect_scope_403(response, {ADMIN}, f"as alice, with the scopes {scopes}")


@pytest.mark.rule("scope-extra")
async def test_extra_scopes_change_nothing(client: SpecClient, bearer: Bearer) -> None:
    """Scopes beyond those required change nothing: carol with every scope and more is a member."""
    scopes = [READ, WRITE, APPROVE, ADMIN, "superuser", "*", "expenses:read:all"]
    response = await client.get("/expenses", headers=bearer(CAROL, scopes))
    ids = [item.get("id") for item in expect_json(response, 200)]
    if ids != [1, 2]:
        raise fail(f"{call(response)} as carol, with extra scopes → expected [1, 2], got {ids}")
    for method, path in [("GET", "/admin/users"), ("POST", "/expenses/3/approve")]:
        response = await client.request(method, path, headers=bearer(CAROL, scopes))
        if response.status_code != 403:
            raise fail(
                f"{call(response)} as carol, a member with every scope → expected 403, got "
                f"{response.status_code}"
            )


@pytest.mark.rule("check-order", "credentials-inactive", "credentials-no-user")
async def test_scopes_come_after_credentials_and_before_the_rest(
    client: SpecClient, bearer: Bearer, expect_scope_403: ExpectScope403, expect_401: Expect401
) -> None:
    """A token lacking a scope gets the scope's 403, with its challenge, before any 403 of the
    role or 404 of the object; an inactive or unknown user's token gets 401 first."""
    cases = [
        ("GET", "/expenses/1", None, FRANK, [WRITE, APPROVE, ADMIN], {READ}, "of Globex"),
        ("GET", "/expenses/999999", None, CAROL, [WRITE], {READ}, "for no such expense"),
        ("PATCH", "/expenses/5", {"description": "x"}, BOB, [READ], {WRITE}, "of Globex"),
        ("POST", "/expenses/3/approve", None, CAROL, [READ], {WRITE, APPROVE}, "a member"),
        ("GET", "/admin/users", None, CAROL, [READ, WRITE], {ADMIN}, "a member"),
        ("PATCH", "/admin/users/5", {"active": False}, ALICE, [READ], {ADMIN}, "erin of Globex"),
    ]
    for method, path, body, user, scopes, required, why in cases:
        response = await client.request(method, path, json=body, headers=bearer(user, scopes))
        expect_scope_403(response, required, f"as {NAMES[user]} ({why}), with the scopes {scopes}")
    for user, what in [(HEIDI, "heidi, not active"), (99, "user 99, who does not exist")]:
        for method, path in [("GET", "/expenses"), ("GET", "/admin/users")]:
            response = await client.request(method, path, headers=bearer(user, []))
            expect_401(response, f"as {what}, with no scopes")


@pytest.mark.rule("auth-before-validation")
async def test_scopes_come_before_validation(
    client: SpecClient, bearer: Bearer, expect_scope_403: ExpectScope403
) -> None:
    """A token lacking a scope gets 403, not 422, even with an id, a query or a body FastAPI
    would refuse."""
    cases = [
        ("POST", "/expenses", {"amount_cents": 0, "description": ""}, CAROL, [READ], {WRITE}),
        ("POST", "/expenses", {}, CAROL, [READ], {WRITE}),
        ("PATCH", "/expenses/abc", {"description": "x"}, CAROL, [READ], {WRITE}),
        ("PATCH", "/expenses/1", {"amount_cents": -1}, CAROL, [READ], {WRITE}),
        ("GET", "/expenses?status=bogus", None, CAROL, [WRITE], {READ}),
        ("GET", "/expenses/abc", None, CAROL, [WRITE], {READ}),
        ("GET", "/expenses/summary?status=bogus", None, CAROL, [], {READ}),
        ("POST", "/expenses/abc/approve", None, BOB, [WRITE], {WRITE, APPROVE}),
        ("PATCH", "/admin/users/abc", {"role": "x"}, ALICE, [READ], {ADMIN}),
        ("POST", "/admin/api-keys", {"name": ""}, ALICE, [], {ADMIN}),
        ("DELETE", "/admin/api-keys/abc", None, ALICE, [WRITE], {ADMIN}),
    ]
    for method, path, body, user, scopes, required in cases:
        response = await client.request(method, path, json=body, headers=bearer(user, scopes))
        shown = f" with {json.dumps(body)}" if body is not None else ""
        expect_scope_403(response, required, f"{shown} as {NAMES[user]}, with the scopes {scopes}")
