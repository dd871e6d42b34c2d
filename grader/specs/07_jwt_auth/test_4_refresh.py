"""Task 4: POST /token/refresh, with refresh-token rotation, expiry and reuse detection."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Protocol

import httpx
import jwt
import pytest

from grader.kit import (
    SpecClient,
    bearer_header,
    call,
    expect_header,
    expect_object,
    expect_status,
    fail,
)

pytestmark = pytest.mark.task(4)

SignIn = Callable[..., Awaitable[dict[str, str]]]
Expect401 = Callable[[httpx.Response, str], None]
ExpectNoSecrets = Callable[[httpx.Response, str], None]


class Clock(Protocol):
    """What the spec uses of the conftest's fake clock."""

    installed: bool

    def set(self, moment: datetime) -> None: ...


async def refresh(client: SpecClient, token: str) -> httpx.Response:
    return await client.post("/token/refresh", json={"refresh_token": token})


async def refreshed(client: SpecClient, token: str, what: str = "") -> str:
    """Exchange `token` and return the new refresh token."""
    response = await refresh(client, token)
    if response.status_code != 200:
        raise fail(f"{call(response)} {what} → expected 200, got {response.status_code}")
    body = expect_object(response, 200, "access_token", "refresh_token")
    return str(body["refresh_token"])


async def login(client: SpecClient, username: str, password: str) -> str:
    """Log in once more and return the new refresh token."""
    response = await client.post("/token", data={"username": username, "password": password})
    return str(expect_object(response, 200, "refresh_token")["refresh_token"])


async def chain(client: SpecClient, first: str, links: int) -> list[str]:
    """`first` and the `links` refresh tokens that replaced it, one after the other."""
    tokens = [first]
    for number in range(1, links + 1):
        tokens.append(await refreshed(client, tokens[-1], f"with refresh token number {number}"))
    return tokens


@pytest.mark.rule("refresh-ok", "rotation", "access-token-exp", "no-secrets")
async def test_refresh_answers_a_new_token_pair(
    client: SpecClient,
    sign_in: SignIn,
    jwt_secret: str,
    access_token_minutes: int,
    expect_no_secrets: ExpectNoSecrets,
) -> None:
    """POST /token/refresh answers 200, uncached, with a new pair as POST /token would."""
    account = await sign_in()
    before = time.time()
    response = await refresh(client, account["refresh_token"])
    after = time.time()
    body = expect_object(response, 200, "access_token", "refresh_token", "token_type")
    if body["token_type"] != "bearer":
        raise fail(
            f'{call(response)} → expected "token_type": "bearer", got {body["token_type"]!r}'
        )
    if not isinstance(body["refresh_token"], str) or not body["refresh_token"]:
        raise fail(f'{call(response)} → "refresh_token" must be a non-empty string')
    if body["refresh_token"] == account["refresh_token"]:
        raise fail(f"{call(response)} → the refresh token must change at every refresh (rotation)")
    cache_control = expect_header(response, "Cache-Control")
    if "no-store" not in cache_control.lower():
        raise fail(f'{call(response)} → expected Cache-Control: no-store, got "{cache_control}"')
    expect_no_secrets(response, account["password"])
    try:
        claims = jwt.decode(
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
            f"{call(response)} → the new access token is not an HS256 JWT signed with "
            f"JWT_SECRET and carrying exp ({error})"
        ) from None
    lifetime = access_token_minutes * 60
    if not before + lifetime - 1 <= float(claims["exp"]) <= after + lifetime + 1:
        raise fail(
            f"{call(response)} → the new access token should expire {lifetime} s after it is "
            f"issued, but its exp is {float(claims['exp']) - before:.0f} s after the request"
        )
    me = await client.get("/users/me", headers=bearer_header(str(body["access_token"])))
    me_body = expect_object(me, 200, "id", "username")
    if me_body["id"] != int(account["id"]) or me_body["username"] != account["username"]:
        raise fail(f"{call(me)} with the new access token → not alice's account: {me.text[:80]}")


@pytest.mark.rule("rotation", "refresh-ok")
async def test_refresh_tokens_chain(client: SpecClient, sign_in: SignIn) -> None:
    """Each refresh token of a chain of four works once, and all of them differ."""
    account = await sign_in()
    tokens = await chain(client, account["refresh_token"], 4)
    if len(set(tokens)) != len(tokens):
        raise fail("POST /token/refresh, four times in a row → a refresh token came back twice")


@pytest.mark.rule("refresh-spent", "www-authenticate")
async def test_rotated_refresh_token_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """POST /token/refresh answers 401 to a refresh token that was already exchanged, every time."""
    account = await sign_in()
    await refreshed(client, account["refresh_token"])
    for attempt in ("once", "twice"):
        expect_401(
            await refresh(client, account["refresh_token"]),
            f"with a refresh token already exchanged, sent again {attempt}",
        )


@pytest.mark.rule("reuse-detection")
async def test_reuse_revokes_every_descendant(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """Reusing a spent refresh token (first or mid-chain) revokes the chain's newest token too."""
    account = await sign_in()
    for reused in (0, 2):
        first = (
            account["refresh_token"]
            if reused == 0
            else await login(client, account["username"], account["password"])
        )
        tokens = await chain(client, first, 4)
        expect_401(
            await refresh(client, tokens[reused]),
            f"with refresh token number {reused}, already exchanged",
        )
        expect_401(
            await refresh(client, tokens[-1]),
            f"with refresh token number 4 (never used), after number {reused} of its chain was "
            "reused",
        )


@pytest.mark.rule("reuse-scope")
async def test_reuse_spares_other_accounts_and_later_logins(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """A reuse revokes alice's chain only: bob's older refresh tokens and her next login work."""
    bob = await sign_in("bob", "bobs-own-password-2")
    bobs = [bob["refresh_token"]]
    for _ in range(7):
        bobs.append(await login(client, bob["username"], bob["password"]))
    alice = await sign_in()
    await refreshed(client, alice["refresh_token"])
    expect_401(await refresh(client, alice["refresh_token"]), "with a refresh token reused")
    for number, token in enumerate(bobs, start=1):
        await refreshed(
            client, token, f"with bob's refresh token {number} of 8, after alice's reuse"
        )
    again = await login(client, alice["username"], alice["password"])
    await refreshed(client, again, "with the refresh token of alice's login after the reuse")


@pytest.mark.rule("refresh-exact", "refresh-unknown")
async def test_unknown_refresh_token_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """POST /token/refresh answers 401 to an access token, near misses and injections."""
    account = await sign_in()
    token = account["refresh_token"]
    swap = {"A": "B"}

    def changed(character: str) -> str:
        return swap.get(character, "A")

    near_misses = {
        "the access token": account["access_token"],
        "garbage": "garbage",
        "the real token with its first character changed": changed(token[0]) + token[1:],
        "the real token with its last character changed": token[:-1] + changed(token[-1]),
        "the real token without its last character": token[:-1],
        "the real token with one more character": token + "A",
        "the real token in upper case": token.upper(),
        "' OR '1'='1": "' OR '1'='1",
        "x' OR 1=1 --": "x' OR 1=1 --",
        "%": "%",
        "10000 characters": "R" * 10_000,
    }
    for what, string in near_misses.items():
        if string != token:
            expect_401(await refresh(client, string), f'with "refresh_token": {what}')
    await refreshed(client, token, "with the real refresh token, after the near misses")


@pytest.mark.rule("refresh-422")
async def test_missing_refresh_token_field_is_422(client: SpecClient) -> None:
    """POST /token/refresh answers 422 to a body without a refresh_token field."""
    for body in ({}, {"token": "x"}):
        response = await client.post("/token/refresh", json=body)
        expect_status(response, 422)


#: Rounds of the refresh race: a read-then-write whose gap is short loses about half of them.
RACE_ROUNDS = 12


@pytest.mark.rule("refresh-race", "refresh-spent")
async def test_concurrent_refreshes_spend_a_token_once(
    client: SpecClient, sign_in: SignIn, frequent_switches: None
) -> None:
    """Of 10 refreshes of one refresh token sent at once, exactly one gets 200, the others 401."""
    account = await sign_in()
    for round_ in range(RACE_ROUNDS):
        token = (
            account["refresh_token"]
            if round_ == 0
            else await login(client, account["username"], account["password"])
        )
        responses = await asyncio.gather(*(refresh(client, token) for _ in range(10)))
        statuses = Counter(response.status_code for response in responses)
        if statuses != Counter({200: 1, 401: 9}):
            shown = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
            raise fail(
                "10 × POST /token/refresh with the same refresh token at once → expected one "
                f"200 and nine 401, got {shown}"
            )


@pytest.mark.rule("refresh-expiry", "refresh-days", "clock")
async def test_refresh_token_expires_after_refresh_token_days(
    client: SpecClient,
    sign_in: SignIn,
    clock: Clock,
    refresh_token_days: int,
    expect_401: Expect401,
) -> None:
    """A refresh token works until REFRESH_TOKEN_DAYS have passed by the clock, from then 401."""
    if not clock.installed:
        raise fail(
            "clock.py defines no get_clock: the grader overrides it to move time (see the "
            "README's grading interface)"
        )
    start = datetime.now(timezone.utc).replace(microsecond=0)
    clock.set(start)
    account = await sign_in()
    second = await login(client, account["username"], account["password"])
    lifetime = timedelta(days=refresh_token_days)
    clock.set(start + lifetime - timedelta(seconds=1))
    newer = await refreshed(
        client,
        account["refresh_token"],
        f"with a refresh token issued {refresh_token_days} days minus a second ago",
    )
    clock.set(start + lifetime)
    expect_401(
        await refresh(client, second),
        f"with a refresh token issued {refresh_token_days} days ago to the microsecond",
    )
    clock.set(start + lifetime + timedelta(seconds=1))
    expect_401(
        await refresh(client, second),
        f"with a refresh token issued {refresh_token_days} days and a second ago",
    )
    await refreshed(
        client, newer, "with a refresh token issued two seconds ago (it replaced an older one)"
    )
