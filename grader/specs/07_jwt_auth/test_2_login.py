"""Task 2: logging in with the OAuth2 password flow at POST /token."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import httpx
import jwt
import pytest

from grader.kit import SpecClient, call, expect_header, expect_object, expect_status, fail

pytestmark = pytest.mark.task(2)

SignIn = Callable[..., Awaitable[dict[str, str]]]
Expect401 = Callable[[httpx.Response, str], None]

USERNAME = "alice"
PASSWORD = "correct-horse-battery"
#: 87 bytes in UTF-8, past bcrypt's 72-byte limit.
LONG_PASSWORD = "Ω" * 40 + "-tail-A"
#: The same first 80 bytes as LONG_PASSWORD: bcrypt would take it for the same password.
LONG_PASSWORD_TWIN = "Ω" * 40 + "-tail-B"


async def register(client: SpecClient, password: str = PASSWORD) -> None:
    response = await client.post("/users", json={"username": USERNAME, "password": password})
    expect_status(response, 201)


async def login(client: SpecClient, username: str, password: str) -> httpx.Response:
    return await client.post("/token", data={"username": username, "password": password})


async def test_login_answers_a_bearer_token_pair(client: SpecClient, jwt_secret: str) -> None:
    """POST /token answers 200 with an HS256 access token, a refresh token and "bearer"."""
    await register(client)
    response = await login(client, USERNAME, PASSWORD)
    body = expect_object(response, 200, "access_token", "refresh_token", "token_type")
    if body["token_type"] != "bearer":
        raise fail(
            f'{call(response)} → expected "token_type": "bearer", got {body["token_type"]!r}'
        )
    if not isinstance(body["refresh_token"], str) or not body["refresh_token"]:
        raise fail(f'{call(response)} → "refresh_token" must be a non-empty string')
    try:
        jwt.decode(
            str(body["access_token"]),
            jwt_secret,
            algorithms=["HS256"],
            options={"require": ["exp"], "verify_aud": False, "verify_sub": False},
        )
    except jwt.InvalidTokenError as error:
        raise fail(
            f"{call(response)} → the access token is not an HS256 JWT signed with JWT_SECRET "
            f"and carrying exp ({error})"
        ) from None


async def test_token_response_is_not_cached(client: SpecClient) -> None:
    """POST /token answers with Cache-Control: no-store, as tokens must never be cached."""
    await register(client)
    response = expect_status(await login(client, USERNAME, PASSWORD), 200)
    cache_control = expect_header(response, "Cache-Control")
    if "no-store" not in cache_control.lower():
        raise fail(f'{call(response)} → expected Cache-Control: no-store, got "{cache_control}"')


async def test_access_token_lifetime_comes_from_settings(
    client: SpecClient, access_token_minutes: int
) -> None:
    """The access token expires ACCESS_TOKEN_MINUTES after it is issued."""
    await register(client)
    response = await login(client, USERNAME, PASSWORD)
    body = expect_object(response, 200, "access_token")
    claims = jwt.decode(str(body["access_token"]), options={"verify_signature": False})
    if not isinstance(claims.get("exp"), (int, float)):
        raise fail(f"{call(response)} → the access token has no numeric exp claim")
    lifetime = float(claims["exp"]) - time.time()
    expected = access_token_minutes * 60
    if abs(lifetime - expected) > 90:
        raise fail(
            f"{call(response)} → with ACCESS_TOKEN_MINUTES={access_token_minutes} the access "
            f"token should expire in about {expected} s, but exp is {lifetime:.0f} s away"
        )


async def test_json_body_is_422(client: SpecClient) -> None:
    """POST /token answers 422 to a JSON body: the password flow sends a form."""
    await register(client)
    response = await client.post("/token", json={"username": USERNAME, "password": PASSWORD})
    expect_status(response, 422)


async def test_wrong_password_is_401(client: SpecClient, expect_401: Expect401) -> None:
    """POST /token answers 401 with WWW-Authenticate: Bearer to a wrong password."""
    await register(client)
    expect_401(await login(client, USERNAME, "wrong-password-1"), "with a wrong password")


async def test_unknown_user_looks_like_wrong_password(
    client: SpecClient, expect_401: Expect401
) -> None:
    """POST /token answers an unknown username exactly as it answers a wrong password."""
    await register(client)
    wrong = await login(client, USERNAME, "wrong-password-1")
    unknown = await login(client, "mallory", "wrong-password-1")
    expect_401(wrong, "with a wrong password")
    expect_401(unknown, "with an unknown username")
    if unknown.content != wrong.content:
        raise fail(
            f"{call(unknown)} → an unknown username and a wrong password get different bodies "
            f"({unknown.text!r} vs {wrong.text!r}): that tells attackers which usernames exist"
        )


async def test_password_over_72_bytes_works(client: SpecClient) -> None:
    """A password over 72 bytes registers (201) and logs in (200)."""
    await register(client, LONG_PASSWORD)
    expect_status(await login(client, USERNAME, LONG_PASSWORD), 200)


async def test_password_over_72_bytes_is_compared_in_full(
    client: SpecClient, expect_401: Expect401
) -> None:
    """POST /token answers 401 to a password that only shares the first 72 bytes."""
    await register(client, LONG_PASSWORD)
    expect_401(
        await login(client, USERNAME, LONG_PASSWORD_TWIN),
        "with a password that differs from the real one after byte 72",
    )
