"""Task 5: DELETE /users/me, after which the account's tokens are worthless."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from grader.kit import SpecClient, call, expect_status, fail

pytestmark = pytest.mark.task(5)

SignIn = Callable[..., Awaitable[dict[str, str]]]
Expect401 = Callable[[httpx.Response, str], None]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def delete_account(client: SpecClient, access_token: str) -> None:
    response = await client.delete("/users/me", headers=bearer(access_token))
    expect_status(response, 204)
    if response.content:
        raise fail(f"{call(response)} → a 204 has no body, got {response.text[:80]!r}")


async def test_deleted_users_access_token_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """DELETE /users/me answers 204; the account's access token then gets 401."""
    account = await sign_in()
    await delete_account(client, account["access_token"])
    response = await client.get("/users/me", headers=bearer(account["access_token"]))
    expect_401(response, "with the access token of a deleted account")


async def test_deleted_users_refresh_token_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """POST /token/refresh answers 401 to the refresh token of a deleted account."""
    account = await sign_in()
    await delete_account(client, account["access_token"])
    response = await client.post("/token/refresh", json={"refresh_token": account["refresh_token"]})
    expect_401(response, "with the refresh token of a deleted account")


async def test_old_token_does_not_open_a_new_account(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """A deleted account's access token gets 401 even after someone registers the same username."""
    account = await sign_in()
    await delete_account(client, account["access_token"])
    again = await client.post(
        "/users", json={"username": account["username"], "password": "another-password-2"}
    )
    expect_status(again, 201)
    response = await client.get("/users/me", headers=bearer(account["access_token"]))
    expect_401(
        response, "with the token of a deleted account, after its username was re-registered"
    )
