"""Task 4: POST /token/refresh, with refresh-token rotation and reuse detection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from grader.kit import SpecClient, call, expect_header, expect_object, fail

pytestmark = pytest.mark.task(4)

SignIn = Callable[..., Awaitable[dict[str, str]]]
Expect401 = Callable[[httpx.Response, str], None]


async def refresh(client: SpecClient, token: str) -> httpx.Response:
    return await client.post("/token/refresh", json={"refresh_token": token})


async def refreshed(client: SpecClient, token: str) -> str:
    """Exchange `token` and return the new refresh token."""
    response = await refresh(client, token)
    body = expect_object(response, 200, "access_token", "refresh_token")
    return str(body["refresh_token"])


async def test_refresh_answers_a_new_token_pair(client: SpecClient, sign_in: SignIn) -> None:
    """POST /token/refresh answers 200, uncached, with a new working token pair."""
    account = await sign_in()
    response = await refresh(client, account["refresh_token"])
    body = expect_object(response, 200, "access_token", "refresh_token", "token_type")
    if body["token_type"] != "bearer":
        raise fail(
            f'{call(response)} → expected "token_type": "bearer", got {body["token_type"]!r}'
        )
    if body["refresh_token"] == account["refresh_token"]:
        raise fail(f"{call(response)} → the refresh token must change at every refresh (rotation)")
    cache_control = expect_header(response, "Cache-Control")
    if "no-store" not in cache_control.lower():
        raise fail(f'{call(response)} → expected Cache-Control: no-store, got "{cache_control}"')
    me = await client.get("/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    if me.status_code != 200:
        raise fail(f"{call(me)} with the new access token → expected 200, got {me.status_code}")


async def test_rotated_refresh_token_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """POST /token/refresh answers 401 to a refresh token that was already exchanged."""
    account = await sign_in()
    await refreshed(client, account["refresh_token"])
    expect_401(
        await refresh(client, account["refresh_token"]), "with a refresh token already exchanged"
    )


async def test_reuse_revokes_the_newer_refresh_token(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """After a rotated refresh token is reused, the token that replaced it is refused too."""
    account = await sign_in()
    newer = await refreshed(client, account["refresh_token"])
    expect_401(
        await refresh(client, account["refresh_token"]), "with a refresh token already exchanged"
    )
    expect_401(
        await refresh(client, newer),
        "with the newest refresh token, after the one it replaced was reused",
    )


async def test_access_token_cannot_refresh(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """POST /token/refresh answers 401 to an access token."""
    account = await sign_in()
    expect_401(
        await refresh(client, account["access_token"]), "with the access token as refresh token"
    )


async def test_unknown_refresh_token_is_401(client: SpecClient, expect_401: Expect401) -> None:
    """POST /token/refresh answers 401 to a refresh token it never issued."""
    expect_401(await refresh(client, "garbage"), 'with "refresh_token": "garbage"')
