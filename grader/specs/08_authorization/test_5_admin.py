"""Task 5: the admin surface. For an organisation's admins only, about that organisation only."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_json, expect_list, fail

pytestmark = pytest.mark.task(5)

ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE, HEIDI = range(1, 9)
NAMES = {1: "alice", 2: "bob", 3: "carol", 4: "dave", 5: "erin", 6: "frank", 7: "grace"}

Bearer = Callable[..., dict[str, str]]
Expect401 = Callable[[httpx.Response, str], None]
Expect403 = Callable[[httpx.Response, str], None]
ExpectHidden = Callable[[httpx.Response, str], Awaitable[None]]
CreateKey = Callable[..., Awaitable[dict[str, Any]]]
Users = dict[int, dict[str, Any]]


def expect_exactly(response: httpx.Response, expected: Any, status: int = 200) -> None:
    body = expect_json(response, status)
    if body != expected:
        raise fail(f"{call(response)} → expected {json.dumps(expected)}, got {json.dumps(body)}")


async def users_of(client: SpecClient, admin_headers: dict[str, str]) -> list[dict[str, Any]]:
    return expect_list(await client.get("/admin/users", headers=admin_headers), 200)


def admin_requests(key_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every endpoint of the admin surface, with a valid body."""
    return [
        ("GET", "/admin/users", None),
        ("PATCH", f"/admin/users/{DAVE}", {"role": "admin"}),
        ("PATCH", f"/admin/users/{CAROL}", {"active": False}),
        ("GET", "/admin/api-keys", None),
        ("POST", "/admin/api-keys", {"name": "exfiltration"}),
        ("DELETE", f"/admin/api-keys/{key_id}", None),
    ]


@pytest.mark.rule("admin-users", "admin-scoped", "user-shape")
async def test_admins_list_their_organisations_users(
    client: SpecClient, bearer: Bearer, seeded_users: Users
) -> None:
    """GET /admin/users answers an admin exactly the users of their organisation, by id."""
    expected = [seeded_users[user_id] for user_id in (ALICE, BOB, CAROL, DAVE, HEIDI)]
    expect_exactly(await client.get("/admin/users", headers=bearer(ALICE)), expected)
    expected = [seeded_users[user_id] for user_id in (ERIN, FRANK, GRACE)]
    expect_exactly(await client.get("/admin/users", headers=bearer(ERIN)), expected)


@pytest.mark.rule("admin-only", "admin-users", "admin-keys", "token-no-role")
async def test_non_admins_are_refused_everywhere(
    client: SpecClient,
    bearer: Bearer,
    expect_403: Expect403,
    create_key: CreateKey,
    seeded_users: Users,
) -> None:
    """Every /admin endpoint answers 403 to a manager and to a member, and changes nothing."""
    key = await create_key(ALICE, "accounting")
    for user in (BOB, CAROL, FRANK):
        for method, path, body in admin_requests(key["id"]):
            response = await client.request(method, path, json=body, headers=bearer(user))
            expect_403(response, f"as {NAMES[user]}, who is not an admin")
    expect_exactly(
        await client.get("/admin/users", headers=bearer(ALICE)),
        [seeded_users[user_id] for user_id in (ALICE, BOB, CAROL, DAVE, HEIDI)],
    )
    expect_exactly(
        await client.get("/admin/api-keys", headers=bearer(ALICE)),
        [{"id": key["id"], "name": "accounting"}],
    )


@pytest.mark.rule("admin-only", "auth-before-validation", "challenge-401")
async def test_refusals_come_before_validation(
    client: SpecClient, bearer: Bearer, expect_403: Expect403, expect_401: Expect401
) -> None:
    """/admin endpoints answer 403 to a member, and 401 to no credentials or an inactive user,
    even for a request FastAPI would refuse with 422."""
    requests = [
        *admin_requests(1),
        ("PATCH", "/admin/users/abc", {"role": "admin"}),
        ("PATCH", "/admin/users/3", {"role": "overlord"}),
        ("PATCH", "/admin/users/3", {"active": None}),
        ("POST", "/admin/api-keys", {"name": ""}),
        ("POST", "/admin/api-keys", {}),
        ("DELETE", "/admin/api-keys/abc", None),
    ]
    for method, path, body in requests:
        shown = f" with {json.dumps(body)}" if body is not None else ""
        response = await client.request(method, path, json=body, headers=bearer(CAROL))
        expect_403(response, f"{shown} as carol, a member")
        expect_401(await client.request(method, path, json=body), f"{shown} without credentials")
        response = await client.request(method, path, json=body, headers=bearer(HEIDI))
        expect_401(response, f"{shown} as heidi, not active")


@pytest.mark.rule("admin-patch", "role-now", "admin-effect", "role-fresh")
async def test_admin_changes_apply_at_once(
    client: SpecClient, bearer: Bearer, expect_401: Expect401, seeded_users: Users
) -> None:
    """PATCH /admin/users/{id} changes the role or active sent and answers the user; a new role
    counts from the next request, and active false locks the user out (401) until true again."""
    carol = {**seeded_users[CAROL], "role": "manager"}
    expect_exactly(
        await client.patch("/admin/users/3", json={"role": "manager"}, headers=bearer(ALICE)),
        carol,
    )
    expect_exactly(await client.get("/users/me", headers=bearer(CAROL)), carol)
    response = await client.post("/expenses/3/approve", headers=bearer(CAROL))
    if response.status_code != 200:
        raise fail(
            f"{call(response)} as carol, made a manager by alice → expected 200, got "
            f"{response.status_code}"
        )
    expect_exactly(await client.patch("/admin/users/3", json={}, headers=bearer(ALICE)), carol)
    users = await users_of(client, bearer(ALICE))
    if carol not in users:
        raise fail(f"GET /admin/users after carol's promotion → she is listed as {users[2:3]}")
    dave = {**seeded_users[DAVE], "active": False}
    expect_exactly(
        await client.patch("/admin/users/4", json={"active": False}, headers=bearer(ALICE)), dave
    )
    for method, path in [("GET", "/users/me"), ("GET", "/expenses"), ("GET", "/expenses/3")]:
        response = await client.request(method, path, headers=bearer(DAVE))
        expect_401(response, "as dave, deactivated by alice")
    response = await client.get("/expenses/3", headers=bearer(BOB))
    if response.status_code != 200:
        raise fail(
            f"{call(response)} as bob → dave's expense stays visible, got {response.status_code}"
        )
    dave = {**dave, "active": True}
    expect_exactly(
        await client.patch("/admin/users/4", json={"active": True}, headers=bearer(ALICE)), dave
    )
    expect_exactly(await client.get("/users/me", headers=bearer(DAVE)), dave)


@pytest.mark.rule("admin-effect", "role-now")
async def test_a_demoted_admin_loses_the_admin_surface(
    client: SpecClient, bearer: Bearer, expect_403: Expect403, seeded_users: Users
) -> None:
    """An admin made a manager gets 403 from /admin at once; a manager made admin gets in."""
    response = await client.patch("/admin/users/2", json={"role": "admin"}, headers=bearer(ALICE))
    expect_exactly(response, {**seeded_users[BOB], "role": "admin"})
    response = await client.patch("/admin/users/1", json={"role": "manager"}, headers=bearer(BOB))
    expect_exactly(response, {**seeded_users[ALICE], "role": "manager"})
    for method, path, body in admin_requests(1)[:4]:
        response = await client.request(method, path, json=body, headers=bearer(ALICE))
        expect_403(response, "as alice, made a manager by bob")
    users = await users_of(client, bearer(BOB))
    roles = {user.get("id"): user.get("role") for user in users}
    if roles.get(ALICE) != "manager" or roles.get(BOB) != "admin" or roles.get(DAVE) != "member":
        raise fail(f"GET /admin/users as bob → expected alice manager, bob admin: got {roles}")


@pytest.mark.rule("admin-patch-limits")
async def test_patch_user_validation(
    client: SpecClient, bearer: Bearer, seeded_users: Users
) -> None:
    """PATCH /admin/users/{id} refuses with 422 an unknown role, null, or a non-boolean active."""
    for body in (
        {"role": "owner"},
        {"role": "Admin"},
        {"role": None},
        {"active": None},
        {"active": "maybe"},
        {"role": "admin", "active": None},
    ):
        response = await client.patch("/admin/users/4", json=body, headers=bearer(ALICE))
        if response.status_code != 422:
            raise fail(
                f"{call(response)} with {json.dumps(body)} → expected 422, got "
                f"{response.status_code}"
            )
    expect_exactly(await client.get("/users/me", headers=bearer(DAVE)), seeded_users[DAVE])


@pytest.mark.rule("ids")
async def test_admin_ids_that_name_nothing(
    client: SpecClient, bearer: Bearer, no_such_ids: tuple[str, ...]
) -> None:
    """PATCH /admin/users/{id} and DELETE /admin/api-keys/{id} answer 404 (or 422) to ids 0,
    negative and past 2**63 either way; 422 to `abc`."""
    for method, path, body in (
        ("PATCH", "/admin/users", {"role": "member"}),
        ("DELETE", "/admin/api-keys", None),
    ):
        for object_id in no_such_ids:
            response = await client.request(
                method, f"{path}/{object_id}", json=body, headers=bearer(ALICE)
            )
            if response.status_code not in (404, 422):
                raise fail(f"{call(response)} → expected 404 or 422, got {response.status_code}")
        response = await client.request(method, f"{path}/abc", json=body, headers=bearer(ALICE))
        if response.status_code != 422:
            raise fail(f"{call(response)} → expected 422, got {response.status_code}")


@pytest.mark.rule("admin-hidden", "hidden-404", "admin-scoped")
async def test_other_organisations_are_invisible(
    client: SpecClient,
    bearer: Bearer,
    expect_hidden: ExpectHidden,
    create_key: CreateKey,
    seeded_users: Users,
) -> None:
    """PATCH /admin/users/{id} and DELETE /admin/api-keys/{id} answer 404, as for no such id,
    for another organisation's user or key, and the lists show only the admin's own."""
    for admin, user_id, body in [
        (ALICE, ERIN, {"role": "member"}),
        (ALICE, GRACE, {"active": False}),
        (ERIN, ALICE, {"active": False}),
        (ERIN, CAROL, {"role": "admin"}),
    ]:
        response = await client.patch(f"/admin/users/{user_id}", json=body, headers=bearer(admin))
        await expect_hidden(response, f"as {NAMES[admin]}, of the other organisation")
    expect_exactly(
        await client.get("/admin/users", headers=bearer(ERIN)),
        [seeded_users[user_id] for user_id in (ERIN, FRANK, GRACE)],
    )
    expect_exactly(await client.get("/users/me", headers=bearer(CAROL)), seeded_users[CAROL])
    globex = await create_key(ERIN, "globex-export")
    acme = await create_key(ALICE, "acme-export")
    response = await client.delete(f"/admin/api-keys/{globex['id']}", headers=bearer(ALICE))
    await expect_hidden(response, "as alice, of the other organisation")
    response = await client.delete(f"/admin/api-keys/{acme['id']}", headers=bearer(ERIN))
    await expect_hidden(response, "as erin, of the other organisation")
    expect_exactly(
        await client.get("/admin/api-keys", headers=bearer(ERIN)),
        [{"id": globex["id"], "name": "globex-export"}],
    )
    expect_exactly(
        await client.get("/admin/api-keys", headers=bearer(ALICE)),
        [{"id": acme["id"], "name": "acme-export"}],
    )


@pytest.mark.rule("admin-patch-fields", "server-owned", "org-from-credentials")
async def test_admins_cannot_move_or_rename_users(
    client: SpecClient, bearer: Bearer, seeded_users: Users
) -> None:
    """PATCH /admin/users/{id} never applies org_id, id, username, display_name or a password."""
    forged = {
        "org_id": 2,
        "id": 99,
        "username": "mallory",
        "display_name": "Mallory",
        "hashed_password": "x",
        "password": "mallory-password",
    }
    for field, value in forged.items():
        body = {"role": "manager", field: value}
        response = await client.patch("/admin/users/3", json=body, headers=bearer(ALICE))
        if response.status_code not in (200, 422):
            raise fail(
                f"{call(response)} with {json.dumps(body)} → expected 200 (field ignored) or "
                f"422, got {response.status_code}"
            )
        me = expect_json(await client.get("/users/me", headers=bearer(CAROL)), 200)
        for name in ("id", "org_id", "username", "display_name"):
            if me.get(name) != seeded_users[CAROL][name]:
                raise fail(
                    f"{call(response)} with {json.dumps(body)} → carol's {name} is now "
                    f"{me.get(name)!r}"
                )
    erins = [user.get("id") for user in await users_of(client, bearer(ERIN))]
    if erins != [ERIN, FRANK, GRACE]:
        raise fail(f"GET /admin/users as erin, after alice's PATCHes → got the users {erins}")


@pytest.mark.rule("admin-keys", "admin-keys-create", "admin-keys-delete")
async def test_admins_create_list_and_revoke_keys(
    client: SpecClient, bearer: Bearer, create_key: CreateKey
) -> None:
    """POST /admin/api-keys answers 201 with the key; GET lists {id, name}; DELETE answers 204."""
    first = await create_key(ALICE, "accounting")
    second = await create_key(ALICE, "a" * 50)
    for body, name in [(first, "accounting"), (second, "a" * 50)]:
        if set(body) != {"id", "name", "key"} or body["name"] != name:
            raise fail(f"POST /admin/api-keys with name {name!r} → got {json.dumps(body)}")
    listed = [{"id": first["id"], "name": "accounting"}, {"id": second["id"], "name": "a" * 50}]
    expect_exactly(await client.get("/admin/api-keys", headers=bearer(ALICE)), listed)
    expect_exactly(await client.get("/admin/api-keys", headers=bearer(ERIN)), [])
    response = await client.delete(f"/admin/api-keys/{first['id']}", headers=bearer(ALICE))
    if response.status_code != 204 or response.content:
        raise fail(
            f"{call(response)} → expected 204 with no body, got {response.status_code}: "
            f"{response.text[:80]!r}"
        )
    expect_exactly(await client.get("/admin/api-keys", headers=bearer(ALICE)), listed[1:])
    response = await client.delete(f"/admin/api-keys/{first['id']}", headers=bearer(ALICE))
    if response.status_code != 404:
        raise fail(f"{call(response)} again → expected 404, got {response.status_code}")


@pytest.mark.rule("admin-keys-limits")
async def test_key_name_limits(client: SpecClient, bearer: Bearer) -> None:
    """POST /admin/api-keys answers 422 to a name of 0 or 51 characters, null or none; 201 to 1."""
    for body in ({"name": ""}, {"name": "k" * 51}, {"name": None}, {}):
        response = await client.post("/admin/api-keys", json=body, headers=bearer(ALICE))
        if response.status_code != 422:
            raise fail(
                f"{call(response)} with {json.dumps(body)} → expected 422, got "
                f"{response.status_code}"
            )
    expect_exactly(await client.get("/admin/api-keys", headers=bearer(ALICE)), [])
    response = await client.post("/admin/api-keys", json={"name": "k"}, headers=bearer(ALICE))
    if response.status_code != 201:
        raise fail(
            f"{call(response)} with a 1-character name → expected 201, got {response.status_code}"
        )
