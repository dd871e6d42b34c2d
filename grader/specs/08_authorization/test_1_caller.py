"""Task 1: who is calling. GET and PATCH /users/me, and every credential that must be refused."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx
import jwt
import pytest

from grader.kit import SpecClient, call, expect_json, fail

pytestmark = pytest.mark.task(1)

ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE, HEIDI = range(1, 9)

Mint = Callable[..., str]
Bearer = Callable[..., dict[str, str]]
Expect401 = Callable[[httpx.Response, str], None]
Users = dict[int, dict[str, Any]]


class Database(Protocol):
    def set_user(self, user_id: int, **columns: Any) -> None: ...
    def row(self, table: str, row_id: int) -> dict[str, Any]: ...


def expect_user(response: httpx.Response, expected: dict[str, Any], status: int = 200) -> None:
    """The response is exactly that user, in the shape of the given UserPublic."""
    body = expect_json(response, status)
    if body != expected:
        raise fail(f"{call(response)} → expected {json.dumps(expected)}, got {json.dumps(body)}")


@pytest.mark.rule("me", "user-shape")
async def test_me_answers_the_user_of_the_token(
    client: SpecClient, bearer: Bearer, seeded_users: Users
) -> None:
    """GET /users/me answers 200 with exactly the token's user, for users of both organisations."""
    for user_id in (CAROL, ALICE, ERIN, FRANK):
        response = await client.get("/users/me", headers=bearer(user_id))
        expect_user(response, seeded_users[user_id])


@pytest.mark.rule("credentials-missing", "credentials-scheme", "challenge-401")
async def test_no_usable_credentials_is_401(
    client: SpecClient, mint: Mint, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 with WWW-Authenticate: Bearer to no credentials, empty ones, or
    a valid token under another scheme than Bearer."""
    expect_401(await client.get("/users/me"), "without credentials")
    for headers in (
        {"Authorization": ""},
        {"X-API-Key": ""},
        {"Authorization": "Bearer "},
        {"Authorization": "", "X-API-Key": ""},
    ):
        shown = ", ".join(f'"{name}: {value}"' for name, value in headers.items())
        expect_401(await client.get("/users/me", headers=headers), f"with {shown}")
    token = mint(CAROL)
    for scheme in ("Basic", "Token", "JWT"):
        response = await client.get("/users/me", headers={"Authorization": f"{scheme} {token}"})
        expect_401(response, f'with "Authorization: {scheme} <a valid token>"')
    expect_401(
        await client.get("/users/me", headers={"Authorization": token}),
        'with "Authorization: <a valid token>" (no scheme)',
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@pytest.mark.rule("credentials-invalid", "credentials-no-user")
async def test_refused_tokens_are_401(
    client: SpecClient, mint: Mint, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to garbage, forged, unsigned and expired tokens, and to valid
    tokens of users who do not exist."""
    token = mint(CAROL)
    header, payload, signature = token.split(".")
    claims = {"sub": str(ALICE), "scope": "admin", "exp": int(time.time()) + 600}
    edited = ".".join((header, _b64(json.dumps(claims).encode()), signature))
    unsigned = f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{payload}."
    other_key = jwt.encode(
        {"sub": str(CAROL), "exp": int(time.time()) + 600},
        "not-the-grader-secret-0123456789-abcdef",
        algorithm="HS256",
    )
    cases = {
        "garbage": "garbage",
        "a token whose payload was edited under its old signature": edited,
        'an unsigned "alg: none" token': unsigned,
        "a token signed with another key": other_key,
        "a token that expired a minute ago": mint(CAROL, exp=int(time.time()) - 60),
        "a token without exp": mint(CAROL, exp=None),
    }
    for what, bad in cases.items():
        response = await client.get("/users/me", headers={"Authorization": f"Bearer {bad}"})
        expect_401(response, f"with {what}")
    for user_id in (9, 999, 2**62):
        response = await client.get(
            "/users/me", headers={"Authorization": f"Bearer {mint(user_id)}"}
        )
        expect_401(response, f"with a token of user {user_id}, who does not exist")


@pytest.mark.rule("credentials-inactive", "fresh", "role-fresh")
async def test_inactive_users_are_401(
    client: SpecClient,
    bearer: Bearer,
    expect_401: Expect401,
    database: Database,
    seeded_users: Users,
) -> None:
    """GET /users/me answers 401 to an inactive user's token: heidi's, and dave's from the
    request after he is made inactive in the database (and 200 again once he is active)."""
    expect_401(await client.get("/users/me", headers=bearer(HEIDI)), "as heidi (not active)")
    expect_401(await client.get("/users/me", headers=bearer(HEIDI, [])), "as heidi, with no scopes")
    headers = bearer(DAVE)
    expect_user(await client.get("/users/me", headers=headers), seeded_users[DAVE])
    database.set_user(DAVE, active=False)
    expect_401(
        await client.get("/users/me", headers=headers),
        "as dave, made inactive in the database since his last request",
    )
    database.set_user(DAVE, active=True)
    expect_user(await client.get("/users/me", headers=headers), seeded_users[DAVE])


@pytest.mark.rule("credentials-both")
async def test_two_credentials_are_401(
    client: SpecClient, mint: Mint, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a bearer token with an X-API-Key, or to two Authorization
    headers, even two valid ones."""
    token = mint(CAROL)
    # An empty X-API-Key beside a token is left open: the README counts empty headers as none.
    key = "some-api-key-0123456789-0123456789"
    response = await client.get(
        "/users/me", headers={"Authorization": f"Bearer {token}", "X-API-Key": key}
    )
    expect_401(response, f'with a valid bearer token and "X-API-Key: {key}"')
    carol, dave = f"Bearer {token}", f"Bearer {mint(DAVE)}"
    for first, second, what in [
        (carol, carol, "twice the same valid token"),
        (carol, dave, "carol's token, then dave's"),
        (carol, "Bearer garbage", "a valid token, then garbage"),
        ("Bearer garbage", carol, "garbage, then a valid token"),
    ]:
        response = await client.get(
            "/users/me", headers=[("Authorization", first), ("Authorization", second)]
        )
        expect_401(response, f"with two Authorization headers: {what}")


@pytest.mark.rule("profile")
async def test_patch_me_changes_the_display_name(
    client: SpecClient, bearer: Bearer, seeded_users: Users
) -> None:
    """PATCH /users/me changes the caller's display name, answers the user, and nobody else's."""
    response = await client.patch(
        "/users/me", json={"display_name": "Carol C."}, headers=bearer(CAROL)
    )
    changed = {**seeded_users[CAROL], "display_name": "Carol C."}
    expect_user(response, changed)
    expect_user(await client.get("/users/me", headers=bearer(CAROL)), changed)
    expect_user(await client.get("/users/me", headers=bearer(DAVE)), seeded_users[DAVE])


@pytest.mark.rule("profile-limits")
async def test_display_name_limits(client: SpecClient, bearer: Bearer, seeded_users: Users) -> None:
    """PATCH /users/me takes 1 to 50 characters; 0, 51, null or no display_name are 422."""
    headers = bearer(DAVE)
    for name in ("D", "d" * 50):
        response = await client.patch("/users/me", json={"display_name": name}, headers=headers)
        expect_user(response, {**seeded_users[DAVE], "display_name": name})
    for body, what in [
        ({"display_name": ""}, "an empty display_name"),
        ({"display_name": "d" * 51}, "a display_name of 51 characters"),
        ({"display_name": None}, "display_name null"),
        ({}, "no display_name"),
    ]:
        response = await client.patch("/users/me", json=body, headers=headers)
        if response.status_code != 422:
            raise fail(f"{call(response)} with {what} → expected 422, got {response.status_code}")


@pytest.mark.rule("profile-mass-assignment", "server-owned")
async def test_patch_me_cannot_promote_or_move(
    client: SpecClient, bearer: Bearer, database: Database, seeded_users: Users
) -> None:
    """PATCH /users/me never applies role, org_id, active, username or id sent by the caller."""
    forged = {"role": "admin", "org_id": 2, "active": False, "username": "root", "id": 1}
    for field, value in forged.items():
        body = {"display_name": "Carol C.", field: value}
        response = await client.patch("/users/me", json=body, headers=bearer(CAROL))
        if response.status_code not in (200, 422):
            raise fail(
                f"{call(response)} with {json.dumps(body)} → expected 200 (the field ignored) "
                f"or 422 (refused), got {response.status_code}"
            )
        me = await client.get("/users/me", headers=bearer(CAROL))
        if me.status_code != 200:
            raise fail(
                f"{call(response)} with {json.dumps(body)} → the caller changed their own "
                f'"{field}": GET /users/me now answers {me.status_code}'
            )
        body_now = me.json()
        for name in ("id", "org_id", "username", "role", "active"):
            if body_now.get(name) != seeded_users[CAROL][name]:
                raise fail(
                    f"{call(response)} with {json.dumps(body)} → the caller changed their own "
                    f'"{name}": GET /users/me now shows {body_now.get(name)!r}'
                )
        stored = database.row("users", CAROL)
        if stored["role"] != "member" or stored["org_id"] != 1:
            raise fail(
                f"{call(response)} with {json.dumps(body)} → the users table now holds role "
                f"{stored['role']!r} and org_id {stored['org_id']!r} for carol"
            )
    expect_user(await client.get("/users/me", headers=bearer(ALICE)), seeded_users[ALICE])


@pytest.mark.rule("auth-before-validation")
async def test_credentials_checked_before_the_body(
    client: SpecClient, bearer: Bearer, expect_401: Expect401
) -> None:
    """PATCH /users/me answers 401, not 422, to a bad body sent without valid credentials."""
    for body in ({"display_name": ""}, {}, {"display_name": None, "role": "admin"}):
        expect_401(
            await client.patch("/users/me", json=body),
            f"with {json.dumps(body)} and no credentials",
        )
        expect_401(
            await client.patch("/users/me", json=body, headers=bearer(HEIDI)),
            f"with {json.dumps(body)} as heidi (not active)",
        )
