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
ExpectNoSecrets = Callable[[httpx.Response, str], None]

USERNAME = "alice"
PASSWORD = "correct-horse-battery"
#: 87 bytes in UTF-8, past bcrypt's 72-byte limit.
LONG_PASSWORD = "Ω" * 40 + "-tail-A"
#: The same first 80 bytes as LONG_PASSWORD: bcrypt would take it for the same password.
LONG_PASSWORD_TWIN = "Ω" * 40 + "-tail-B"


async def register(client: SpecClient, password: str = PASSWORD, username: str = USERNAME) -> None:
    response = await client.post("/users", json={"username": username, "password": password})
    expect_status(response, 201)


async def login(client: SpecClient, username: str, password: str) -> httpx.Response:
    return await client.post("/token", data={"username": username, "password": password})


@pytest.mark.rule("login-ok", "hs256-exp", "jwt-secret", "refresh-token-string", "no-secrets")
async def test_login_answers_a_bearer_token_pair(
    client: SpecClient, jwt_secret: str, expect_no_secrets: ExpectNoSecrets
) -> None:
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
            options={
                "require": ["exp"],
                "verify_aud": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except jwt.InvalidTokenError as error:
        raise fail(
            f"{call(response)} → the access token is not an HS256 JWT signed with JWT_SECRET "
            f"and carrying exp ({error})"
        ) from None
    expect_no_secrets(response, PASSWORD)


@pytest.mark.rule("login-ok")
async def test_token_response_is_not_cached(client: SpecClient) -> None:
    """POST /token answers with Cache-Control: no-store, as tokens must never be cached."""
    await register(client)
    response = expect_status(await login(client, USERNAME, PASSWORD), 200)
    cache_control = expect_header(response, "Cache-Control")
    if "no-store" not in cache_control.lower():
        raise fail(f'{call(response)} → expected Cache-Control: no-store, got "{cache_control}"')


@pytest.mark.rule("access-token-exp", "access-minutes")
async def test_access_token_lifetime_comes_from_settings(
    client: SpecClient, access_token_minutes: int
) -> None:
    """The access token expires ACCESS_TOKEN_MINUTES after it is issued, to the second."""
    await register(client)
    before = time.time()
    response = await login(client, USERNAME, PASSWORD)
    after = time.time()
    body = expect_object(response, 200, "access_token")
    try:
        claims = jwt.decode(str(body["access_token"]), options={"verify_signature": False})
    except jwt.InvalidTokenError as error:
        raise fail(f"{call(response)} → the access token is not a JWT ({error})") from None
    if not isinstance(claims.get("exp"), (int, float)):
        raise fail(f"{call(response)} → the access token has no numeric exp claim")
    lifetime = access_token_minutes * 60
    # A second either side: exp is a whole number of seconds, and the request took some time.
    if not before + lifetime - 1 <= float(claims["exp"]) <= after + lifetime + 1:
        raise fail(
            f"{call(response)} → with ACCESS_TOKEN_MINUTES={access_token_minutes} the access "
            f"token should expire {lifetime} s after it is issued, but its exp is "
            f"{float(claims['exp']) - before:.0f} s after the request"
        )


@pytest.mark.rule("form-only")
async def test_json_body_is_422(client: SpecClient) -> None:
    """POST /token answers 422 to a JSON body: the password flow sends a form."""
    await register(client)
    response = await client.post("/token", json={"username": USERNAME, "password": PASSWORD})
    expect_status(response, 422)


@pytest.mark.rule("wrong-password", "www-authenticate")
async def test_wrong_password_is_401(client: SpecClient, expect_401: Expect401) -> None:
    """POST /token answers 401 with WWW-Authenticate: Bearer to a wrong password."""
    await register(client)
    expect_401(await login(client, USERNAME, "wrong-password-1"), "with a wrong password")


@pytest.mark.rule("unknown-username")
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


@pytest.mark.rule("long-passwords")
async def test_password_over_72_bytes_works(client: SpecClient) -> None:
    """A password over 72 bytes registers (201) and logs in (200)."""
    await register(client, LONG_PASSWORD)
    expect_status(await login(client, USERNAME, LONG_PASSWORD), 200)


@pytest.mark.rule("long-passwords")
async def test_password_over_72_bytes_is_compared_in_full(
    client: SpecClient, expect_401: Expect401
) -> None:
    """POST /token answers 401 to a password that differs only after byte 72, to the last one."""
    pairs = [
        (LONG_PASSWORD, LONG_PASSWORD_TWIN),
        ("p" * 127 + "A", "p" * 127 + "B"),
        ("Ω" * 127 + "A", "Ω" * 127 + "B"),
    ]
    for number, (password, twin) in enumerate(pairs):
        username = f"{USERNAME}-{number}"
        await register(client, password, username)
        expect_401(
            await login(client, username, twin),
            f"with a password of {len(twin)} characters that differs from the real one only "
            "in its last character",
        )
        expect_status(await login(client, username, password), 200)


@pytest.mark.rule("username-exact", "unknown-username")
async def test_username_matches_only_itself(client: SpecClient, expect_401: Expect401) -> None:
    """POST /token answers 401 to `_lice`, `%` or `alice' --` with alice's password."""
    await register(client)
    for username in ("_lice", "%", "alic%", "alice' --", "' OR '1'='1"):
        expect_401(
            await login(client, username, PASSWORD),
            f"with username {username!r} and the password of alice",
        )
