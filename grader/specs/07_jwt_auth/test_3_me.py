"""Task 3: GET /users/me, and every way a bearer token must be refused.

Forged tokens are built from the claims of a real token, so any claim layout works.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import jwt
import pytest

from grader.kit import SpecClient, call, expect_object, fail

pytestmark = pytest.mark.task(3)

SignIn = Callable[..., Awaitable[dict[str, str]]]
Expect401 = Callable[[httpx.Response, str], None]

OTHER_SECRET = "not-the-grader-secret-0123456789-abcdef"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def signed(token: str, claims: dict[str, Any], key: str) -> str:
    """`claims` signed with HS256 and `key`, under the header of the real `token`."""
    header = {k: v for k, v in jwt.get_unverified_header(token).items() if k != "alg"}
    return jwt.encode(claims, key, algorithm="HS256", headers=header)


async def get_me(client: SpecClient, token: str) -> httpx.Response:
    return await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})


async def expect_accepted(client: SpecClient, token: str, what: str) -> None:
    """The control of a forgery spec: the unforged version must work."""
    response = await get_me(client, token)
    if response.status_code != 200:
        raise fail(
            f"{call(response)} {what} → expected 200, got {response.status_code}: is the "
            f"access token an HS256 JWT signed with JWT_SECRET?"
        )


async def test_me_answers_the_current_user(client: SpecClient, sign_in: SignIn) -> None:
    """GET /users/me with a valid access token answers 200 with the user, never the password."""
    account = await sign_in()
    response = await get_me(client, account["access_token"])
    body = expect_object(response, 200, "id", "username")
    if body["username"] != account["username"]:
        raise fail(f'{call(response)} → expected "username": "alice", got {body["username"]!r}')
    for field in ("password", "hashed_password"):
        if field in body:
            raise fail(f'{call(response)} → response has field "{field}"')
    if account["password"] in response.text or "$argon2" in response.text:
        raise fail(f"{call(response)} → the response contains the password or its hash")


async def test_missing_authorization_is_401(client: SpecClient, expect_401: Expect401) -> None:
    """GET /users/me answers 401 with WWW-Authenticate: Bearer when no token is sent."""
    expect_401(await client.get("/users/me"), "without an Authorization header")


async def test_other_scheme_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a valid token sent under the Basic scheme."""
    account = await sign_in()
    response = await client.get(
        "/users/me", headers={"Authorization": f"Basic {account['access_token']}"}
    )
    expect_401(response, 'with "Authorization: Basic <access token>"')


async def test_garbage_token_is_401(client: SpecClient, expect_401: Expect401) -> None:
    """GET /users/me answers 401 to a bearer token that is not a JWT."""
    expect_401(await get_me(client, "garbage"), 'with "Authorization: Bearer garbage"')


async def test_edited_payload_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a token whose payload was edited under the old signature."""
    account = await sign_in()
    header, payload, signature = account["access_token"].split(".")
    claims = json.loads(b64url_decode(payload))
    claims["exp"] = int(claims.get("exp", time.time())) + 86_400
    forged = ".".join((header, b64url(json.dumps(claims).encode()), signature))
    expect_401(await get_me(client, forged), "with a token whose exp was pushed back a day")


async def test_flipped_signature_byte_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a token with one signature byte changed."""
    account = await sign_in()
    header, payload, signature = account["access_token"].split(".")
    raw = bytearray(b64url_decode(signature))
    raw[0] ^= 0x01
    forged = ".".join((header, payload, b64url(bytes(raw))))
    expect_401(await get_me(client, forged), "with a token whose signature has one byte changed")


async def test_alg_none_is_401(client: SpecClient, sign_in: SignIn, expect_401: Expect401) -> None:
    """GET /users/me answers 401 to an unsigned token (alg "none")."""
    account = await sign_in()
    _, payload, _ = account["access_token"].split(".")
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    expect_401(await get_me(client, f"{header}.{payload}."), 'with an unsigned "alg: none" token')


async def test_token_signed_with_another_key_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a token signed with a key other than JWT_SECRET."""
    account = await sign_in()
    token = account["access_token"]
    forged = signed(token, claims_of(token), OTHER_SECRET)
    expect_401(await get_me(client, forged), "with a token signed with another key")


async def test_expired_token_is_401(
    client: SpecClient, sign_in: SignIn, jwt_secret: str, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a correctly signed token whose exp has passed."""
    account = await sign_in()
    token = account["access_token"]
    claims = claims_of(token)
    await expect_accepted(client, signed(token, claims, jwt_secret), "with a re-signed token")
    claims["exp"] = int(time.time()) - 3600
    expired = signed(token, claims, jwt_secret)
    expect_401(await get_me(client, expired), "with a token that expired an hour ago")


async def test_token_without_exp_is_401(
    client: SpecClient, sign_in: SignIn, jwt_secret: str, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a correctly signed token that has no exp claim."""
    account = await sign_in()
    token = account["access_token"]
    claims = claims_of(token)
    await expect_accepted(client, signed(token, claims, jwt_secret), "with a re-signed token")
    claims.pop("exp", None)
    expect_401(await get_me(client, signed(token, claims, jwt_secret)), "with a token without exp")


async def test_refresh_token_is_not_an_access_token(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a refresh token sent as the bearer token."""
    account = await sign_in()
    expect_401(
        await get_me(client, account["refresh_token"]), "with the refresh token as bearer token"
    )
