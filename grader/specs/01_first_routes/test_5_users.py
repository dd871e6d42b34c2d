"""Task 5: users, where /users/me must not be swallowed by /users/{user_id}."""

from __future__ import annotations

import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_object, fail

pytestmark = pytest.mark.task(5)

USERS = {
    1: {"id": 1, "username": "ada", "full_name": "Ada Lovelace"},
    2: {"id": 2, "username": "grace", "full_name": "Grace Hopper"},
    3: {"id": 3, "username": "linus", "full_name": "Linus Torvalds"},
}


async def get_user(client: SpecClient, path: str, user_id: int) -> None:
    r = await client.get(path)
    body = expect_object(r, 200, "id", "username", "full_name")
    got = {name: body[name] for name in ("id", "username", "full_name")}
    if got != USERS[user_id]:
        raise fail(f"{call(r)} → expected user {USERS[user_id]}, got {got}")


@pytest.mark.rule("users-me", "user-shape")
async def test_users_me(client: SpecClient) -> None:
    """GET /users/me answers 200 with the signed-in user (id 2, grace)."""
    await get_user(client, "/users/me", 2)


@pytest.mark.rule("user-by-id", "user-shape")
async def test_user_by_id(client: SpecClient) -> None:
    """GET /users/{user_id} answers 200 with that user: 1 ada, 2 grace, 3 linus."""
    for user_id in (1, 3, 2):
        await get_user(client, f"/users/{user_id}", user_id)


@pytest.mark.rule("user-404", "error-404", "error-detail")
async def test_user_not_found(client: SpecClient) -> None:
    """GET /users/{user_id} answers 404 for 4, 999 and an id past 64 bits."""
    await get_user(client, "/users/3", 3)
    for user_id in ("4", "999", "99999999999999999999"):
        expect_object(await client.get(f"/users/{user_id}"), 404, "detail")


@pytest.mark.rule("user-id-422", "error-422", "error-detail")
async def test_user_id_must_be_a_positive_integer(client: SpecClient) -> None:
    """GET /users/{user_id} answers 422 for "abc", "1.5", "you", 0 and -1."""
    for user_id in ("abc", "1.5", "you", "0", "-1"):
        r = await client.get(f"/users/{user_id}")
        if r.status_code != 422:
            raise fail(f"{call(r)} → expected 422, got {r.status_code}: {body_excerpt(r)}")
        expect_object(r, 422, "detail")
