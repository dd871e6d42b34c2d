"""Fixtures of the JWT exercise: its grading interface, and helpers to sign a user in.

Helpers are fixtures that return functions (spec folders are not packages, so specs cannot
import from here); each is called inside the spec, so a broken app fails the spec rather than
erroring its setup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_object, expect_status, fail

#: The HS256 key the grader gives the app (`JWT_SECRET`), so specs can sign tokens with it.
JWT_SECRET = "kata-grader-secret-7c1e9a4d2b8f06e3a5d9c7b1"
#: An odd lifetime, so an app that ignores `ACCESS_TOKEN_MINUTES` shows it.
ACCESS_TOKEN_MINUTES = 7

USERNAME = "alice"
PASSWORD = "correct-horse-battery"

#: What `sign_in()` returns: the credentials and the token pair from `POST /token`.
Account = dict[str, str]
SignIn = Callable[..., Awaitable[Account]]
Expect401 = Callable[[httpx.Response, str], None]


@pytest.fixture
def app_env() -> dict[str, str]:
    return {
        "JWT_SECRET": JWT_SECRET,
        "ACCESS_TOKEN_MINUTES": str(ACCESS_TOKEN_MINUTES),
        "REFRESH_TOKEN_DAYS": "3",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
    }


@pytest.fixture
def jwt_secret() -> str:
    return JWT_SECRET


@pytest.fixture
def access_token_minutes() -> int:
    return ACCESS_TOKEN_MINUTES


def check_401(response: httpx.Response, what: str) -> None:
    """Fail unless `response` is a 401 carrying `WWW-Authenticate: Bearer`."""
    sent = f"{call(response)} {what}" if what else call(response)
    if response.status_code != 401:
        raise fail(f"{sent} → expected 401, got {response.status_code}: {body_excerpt(response)}")
    challenge = response.headers.get("WWW-Authenticate", "")
    scheme = challenge.replace(",", " ").split()[:1]
    if [word.lower() for word in scheme] != ["bearer"]:
        shown = f'"{challenge}"' if challenge else "no WWW-Authenticate header"
        raise fail(f"{sent} → 401 must carry WWW-Authenticate: Bearer, got {shown}")


@pytest.fixture
def expect_401() -> Expect401:
    """`expect_401(response, "with an expired token")`: a 401 with `WWW-Authenticate: Bearer`."""
    return check_401


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def sign_in(client: SpecClient) -> SignIn:
    """`await sign_in()`: register alice, log her in, and check her access token works."""

    async def sign_in(username: str = USERNAME, password: str = PASSWORD) -> Account:
        expect_status(
            await client.post("/users", json={"username": username, "password": password}), 201
        )
        response = await client.post("/token", data={"username": username, "password": password})
        tokens = expect_object(response, 200, "access_token", "refresh_token")
        for name in ("access_token", "refresh_token"):
            if not isinstance(tokens[name], str) or not tokens[name]:
                raise fail(f'{call(response)} → "{name}" must be a non-empty string')
        me = await client.get("/users/me", headers=bearer(tokens["access_token"]))
        expect_status(me, 200)
        return {
            "username": username,
            "password": password,
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
        }

    return sign_in
