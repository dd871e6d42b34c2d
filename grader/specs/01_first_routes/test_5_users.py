"""Task 5: users, where /users/me must not be swallowed by /users/{user_id}."""

from __future__ import annotations

import pytest

from grader.kit import SpecClient, call, expect_object

pytestmark = pytest.mark.task(5)


async def test_users_me(client: SpecClient) -> None:
    """GET /users/me answers 200 with the signed-in user (id 2, grace)."""
    r = await client.get("/users/me")
    body = expect_object(r, 200, "id", "username", "full_name")
    got = (body["id"], body["username"])
    assert got == (2, "grace"), f'{call(r)} → expected user 2 "grace", got {got}'


async def test_user_by_id(client: SpecClient) -> None:
    """GET /users/{user_id} answers 200 with that user, and 404 for an id that does not exist."""
    r = await client.get("/users/1")
    body = expect_object(r, 200, "id", "username", "full_name")
    got = (body["id"], body["username"], body["full_name"])
    assert got == (1, "ada", "Ada Lovelace"), (
        f'{call(r)} → expected user 1 "ada" "Ada Lovelace", got {got}'
    )
    expect_object(await client.get("/users/4"), 404, "detail")


async def test_user_id_must_be_a_positive_integer(client: SpecClient) -> None:
    """GET /users/{user_id} answers 422 for "abc" and for 0."""
    for user_id in ("abc", "0"):
        expect_object(await client.get(f"/users/{user_id}"), 422, "detail")
