"""Task 5: DELETE /users/me, after which the account's tokens are worthless."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from grader.kit import SpecClient, bearer_header, call, expect_object, expect_status, fail

pytestmark = pytest.mark.task(5)

SignIn = Callable[..., Awaitable[dict[str, str]]]
Expect401 = Callable[[httpx.Response, str], None]


async def delete_account(client: SpecClient, access_token: str) -> None:
    response = await client.delete("/users/me", headers=bearer_header(access_token))
    expect_status(response, 204)
    if response.content:
        raise fail(f"{call(response)} → a 204 has no body, got {response.text[:80]!r}")


async def refresh(client: SpecClient, token: str) -> httpx.Response:
    return await client.post("/token/refresh", json={"refresh_token": token})


async def reregister(client: SpecClient, username: str) -> None:
    again = await client.post("/users", json={"username": username, "password": "another-pass-2"})
    if again.status_code != 201:
        raise fail(
            f"{call(again)} with the username of a deleted account → expected 201, got "
            f"{again.status_code}: a deleted account frees its username"
        )


@pytest.mark.rule("delete-204", "deleted-account", "delete-tokens-dead")
async def test_deleted_users_tokens_are_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """DELETE /users/me answers 204; the account's access and refresh tokens then get 401."""
    account = await sign_in()
    await delete_account(client, account["access_token"])
    response = await client.get("/users/me", headers=bearer_header(account["access_token"]))
    expect_401(response, "with the access token of a deleted account")
    again = await client.delete("/users/me", headers=bearer_header(account["access_token"]))
    expect_401(again, "with the access token of an account already deleted")
    expect_401(
        await refresh(client, account["refresh_token"]),
        "with the refresh token of a deleted account",
    )


@pytest.mark.rule("delete-tokens-dead", "deleted-account")
async def test_old_tokens_do_not_open_a_new_account(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """A deleted account's tokens get 401 even after its username is registered again."""
    account = await sign_in()
    await delete_account(client, account["access_token"])
    await reregister(client, account["username"])
    response = await client.get("/users/me", headers=bearer_header(account["access_token"]))
    expect_401(
        response, "with the token of a deleted account, after its username was re-registered"
    )
    expect_401(
        await refresh(client, account["refresh_token"]),
        "with the refresh token of a deleted account, after its username was re-registered",
    )


@pytest.mark.rule("delete-others")
async def test_other_accounts_are_untouched(client: SpecClient, sign_in: SignIn) -> None:
    """After alice deletes her account, bob's access and refresh tokens still work."""
    bob = await sign_in("bob", "bobs-own-password-2")
    alice = await sign_in()
    await delete_account(client, alice["access_token"])
    response = await client.get("/users/me", headers=bearer_header(bob["access_token"]))
    body = expect_object(response, 200, "id", "username")
    if body["username"] != "bob" or body["id"] != int(bob["id"]):
        raise fail(f"{call(response)} with bob's token → expected bob, got {response.text[:80]}")
    refreshed = await refresh(client, bob["refresh_token"])
    if refreshed.status_code != 200:
        raise fail(
            f"{call(refreshed)} with bob's refresh token, after alice deleted her account → "
            f"expected 200, got {refreshed.status_code}"
        )


@pytest.mark.rule("delete-401", "www-authenticate")
async def test_delete_without_a_valid_token_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """DELETE /users/me answers 401 without a valid access token, and deletes nothing."""
    account = await sign_in()
    attempts = {
        "without an Authorization header": {},
        "with a garbage bearer token": bearer_header("garbage"),
        "with the refresh token as bearer token": bearer_header(account["refresh_token"]),
        "with the access token under the Basic scheme": {
            "Authorization": f"Basic {account['access_token']}"
        },
    }
    for what, headers in attempts.items():
        expect_401(await client.delete("/users/me", headers=headers), what)
    me = await client.get("/users/me", headers=bearer_header(account["access_token"]))
    if me.status_code != 200:
        raise fail(
            f"{call(me)} after DELETE /users/me attempts without a valid token → expected 200, "
            f"got {me.status_code}: the account must still be there"
        )
