"""Fixtures of the JWT exercise: its grading interface, and helpers to sign a user in.

Helpers are fixtures that return functions (spec folders are not packages, so specs cannot
import from here); each is called inside the spec, so a broken app fails the spec rather than
erroring its setup.
"""

from __future__ import annotations

import base64
import importlib
import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from grader.kit import (
    SpecClient,
    bearer_header,
    call,
    expect_bearer_401,
    expect_object,
    expect_status,
    fail,
    thread_switches,
)
from grader.loader import LoadedApp

#: The HS256 key the grader gives the app (`JWT_SECRET`), so specs can sign tokens with it.
JWT_SECRET = "kata-grader-secret-7c1e9a4d2b8f06e3a5d9c7b1"
#: An odd lifetime, so an app that ignores `ACCESS_TOKEN_MINUTES` shows it.
ACCESS_TOKEN_MINUTES = 7
#: Not the default either, for the same reason.
REFRESH_TOKEN_DAYS = 3

USERNAME = "alice"
PASSWORD = "correct-horse-battery"

#: What `sign_in()` returns: the credentials, the account's id and the token pair.
Account = dict[str, str]
SignIn = Callable[..., Awaitable[Account]]
Expect401 = Callable[[httpx.Response, str], None]
#: `expect_no_secrets(response, password)`: fail if the response shows the password or a hash.
ExpectNoSecrets = Callable[[httpx.Response, str], None]


class FakeClock:
    """The clock the app reads through `get_clock`: the real time until a spec sets it, then
    standing still wherever the spec puts it."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None
        #: Whether the app's `get_clock` was found and overridden.
        self.installed = False

    def __call__(self) -> datetime:
        return self._frozen if self._frozen is not None else datetime.now(timezone.utc)

    def set(self, moment: datetime) -> None:
        self._frozen = moment


@pytest.fixture
def app_env() -> dict[str, str]:
    return {
        "JWT_SECRET": JWT_SECRET,
        "ACCESS_TOKEN_MINUTES": str(ACCESS_TOKEN_MINUTES),
        "REFRESH_TOKEN_DAYS": str(REFRESH_TOKEN_DAYS),
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def loaded(load_app: Callable[..., LoadedApp], clock: FakeClock, exercise_dir: Path) -> LoadedApp:
    """The learner's app, whose `clock.get_clock` dependency answers with the spec's clock."""
    loaded = load_app()
    module = sys.modules.get("clock")
    given = exercise_dir.resolve() / "clock.py"
    if module is None or Path(str(getattr(module, "__file__", ""))).resolve() != given:
        try:
            module = importlib.import_module("clock") if given.is_file() else None
        except Exception:
            module = None
    get_clock = getattr(module, "get_clock", None)
    if get_clock is not None:
        loaded.app.dependency_overrides[get_clock] = lambda: clock
        clock.installed = True
    return loaded


@pytest.fixture
def jwt_secret() -> str:
    return JWT_SECRET


@pytest.fixture
def access_token_minutes() -> int:
    return ACCESS_TOKEN_MINUTES


@pytest.fixture
def refresh_token_days() -> int:
    return REFRESH_TOKEN_DAYS


@pytest.fixture
def frequent_switches() -> Iterator[None]:
    """Threads switch every microsecond while the spec runs, so that the check and the act of a
    check-then-act in a sync handler (run in FastAPI's threadpool) interleave."""
    with thread_switches():
        yield


@pytest.fixture
def expect_401() -> Expect401:
    """`expect_401(response, "with an expired token")`: a 401 with `WWW-Authenticate: Bearer`."""
    return expect_bearer_401


def _jwt_claims(text: str) -> Any:
    """The decoded payload of `text` if it looks like a JWT, else None."""
    parts = text.split(".")
    if len(parts) != 3:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None


def _walk(node: Any, parent: str | None = None) -> Iterator[tuple[bool, str | None, str]]:
    """Every key and string value of a JSON document, as (is_key, parent key, text)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield True, parent, str(key)
            yield from _walk(value, str(key))
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, parent)
    elif isinstance(node, str):
        yield False, parent, node


SECRET_FIELDS = ("password", "hashed_password")


def check_no_secrets(response: httpx.Response, password: str) -> None:
    """Fail if the response, its headers or a JWT inside its body show the password, an argon2
    hash, or a `password`/`hashed_password` field."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    for is_key, parent, text in _walk(body):
        if is_key and text in SECRET_FIELDS:
            raise fail(f'{call(response)} → response has field "{text}"')
        claims = None if is_key else _jwt_claims(text)
        for claim_is_key, _, claim in _walk(claims):
            if claim_is_key and claim in SECRET_FIELDS:
                raise fail(f'{call(response)} → the token in "{parent}" has a claim "{claim}"')
            if password in claim or "$argon2" in claim:
                raise fail(
                    f'{call(response)} → the token in "{parent}" carries the password or its '
                    "hash in its claims, which anyone can read"
                )
    for text in (response.text, *(f"{k}: {v}" for k, v in response.headers.items())):
        if password in text:
            raise fail(f"{call(response)} → the response contains the password")
        if "$argon2" in text:
            raise fail(f"{call(response)} → the response contains a password hash ($argon2…)")


@pytest.fixture
def expect_no_secrets() -> ExpectNoSecrets:
    return check_no_secrets


@pytest.fixture
def sign_in(client: SpecClient) -> SignIn:
    """`await sign_in()`: register alice, log her in, and check her access token works."""

    async def sign_in(username: str = USERNAME, password: str = PASSWORD) -> Account:
        created = expect_object(
            await client.post("/users", json={"username": username, "password": password}),
            201,
            "id",
        )
        response = await client.post("/token", data={"username": username, "password": password})
        tokens = expect_object(response, 200, "access_token", "refresh_token")
        for name in ("access_token", "refresh_token"):
            if not isinstance(tokens[name], str) or not tokens[name]:
                raise fail(f'{call(response)} → "{name}" must be a non-empty string')
        me = await client.get("/users/me", headers=bearer_header(tokens["access_token"]))
        expect_status(me, 200)
        return {
            "id": str(created["id"]),
            "username": username,
            "password": password,
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
        }

    return sign_in
