"""Task 3: GET /users/me, and every way a bearer token must be refused.

Forged tokens are built from the claims of a real token, so any claim layout works.
"""

from __future__ import annotations

import base64
import json
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import jwt
import pytest

from grader.kit import SpecClient, bearer_header, call, expect_object, fail

pytestmark = pytest.mark.task(3)

SignIn = Callable[..., Awaitable[dict[str, str]]]
Expect401 = Callable[[httpx.Response, str], None]
ExpectNoSecrets = Callable[[httpx.Response, str], None]

OTHER_SECRET = "not-the-grader-secret-0123456789-abcdef"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def signed(token: str, claims: dict[str, Any], key: str, algorithm: str = "HS256") -> str:
    """`claims` signed with `algorithm` and `key`, under the header of the real `token`."""
    header = {k: v for k, v in jwt.get_unverified_header(token).items() if k != "alg"}
    with warnings.catch_warnings():
        # The grader's key is shorter than HS384 and HS512 would like: no matter for a forgery.
        warnings.simplefilter("ignore")
        return jwt.encode(claims, key, algorithm=algorithm, headers=header)


def with_signature(token: str, edit: Callable[[str], str]) -> str:
    header, payload, signature = token.split(".")
    return ".".join((header, payload, edit(signature)))


def flip(signature: str, index: int) -> str:
    """The signature with one bit of its byte at `index` flipped (the bytes, not the base64
    text, whose last character has spare bits)."""
    raw = bytearray(b64url_decode(signature))
    raw[index] ^= 0x01
    return b64url(bytes(raw))


async def get_me(client: SpecClient, token: str) -> httpx.Response:
    return await client.get("/users/me", headers=bearer_header(token))


async def expect_accepted(client: SpecClient, token: str, what: str) -> None:
    """The control of a forgery spec: the unforged version must work."""
    response = await get_me(client, token)
    if response.status_code != 200:
        raise fail(
            f"{call(response)} {what} → expected 200, got {response.status_code}: is the "
            f"access token an HS256 JWT signed with JWT_SECRET?"
        )


@pytest.mark.rule("me-ok", "no-secrets")
async def test_me_answers_the_current_user(
    client: SpecClient, sign_in: SignIn, expect_no_secrets: ExpectNoSecrets
) -> None:
    """GET /users/me answers 200 with the token's own account (id and username), no password."""
    accounts = [await sign_in(), await sign_in("bob", "bobs-own-password-2")]
    for account in reversed(accounts):
        response = await get_me(client, account["access_token"])
        body = expect_object(response, 200, "id", "username")
        expected = {"id": int(account["id"]), "username": account["username"]}
        got = {"id": body["id"], "username": body["username"]}
        if got != expected:
            raise fail(
                f"{call(response)} with the access token of {account['username']} → expected "
                f"{json.dumps(expected)}, got {json.dumps(got)}"
            )
        expect_no_secrets(response, account["password"])


@pytest.mark.rule("no-header", "empty-header", "me-401", "www-authenticate")
async def test_missing_or_empty_authorization_is_401(
    client: SpecClient, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to no Authorization header, an empty one, or "Bearer" alone."""
    expect_401(await client.get("/users/me"), "without an Authorization header")
    for value in ("", "Bearer", "Bearer "):
        response = await client.get("/users/me", headers={"Authorization": value})
        expect_401(response, f'with "Authorization: {value}"')


@pytest.mark.rule("basic-scheme", "me-401")
async def test_other_scheme_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a valid token sent under the Basic scheme."""
    account = await sign_in()
    response = await client.get(
        "/users/me", headers={"Authorization": f"Basic {account['access_token']}"}
    )
    expect_401(response, 'with "Authorization: Basic <access token>"')


@pytest.mark.rule("garbage", "me-401")
async def test_garbage_token_is_401(
    client: SpecClient, jwt_secret: str, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 (never 500) to bearer tokens that are not JWTs."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    not_objects = [
        jwt.api_jws.encode(payload, jwt_secret, algorithm="HS256")
        for payload in (b'["an", "array"]', b'"a string"', b"not json at all", b"")
    ]
    garbage = {
        "garbage": "garbage",
        "three dots apart": "a.b.c",
        "two segments": f"{header}.{b64url(b'{}')}",
        "four segments": f"{header}.{b64url(b'{}')}.c2ln.extra",
        "5000 characters": "A" * 5000,
        "a signed array": not_objects[0],
        "a signed string": not_objects[1],
        "a signed non-JSON payload": not_objects[2],
        "a signed empty payload": not_objects[3],
    }
    for what, token in garbage.items():
        expect_401(await get_me(client, token), f"with a bearer token that is {what}")


@pytest.mark.rule("edited-payload", "me-401")
async def test_edited_payload_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a token whose payload or header was edited, or re-signed."""
    account = await sign_in()
    other = await sign_in("mallory", "mallorys-password-3")
    header, payload, signature = account["access_token"].split(".")
    claims = json.loads(b64url_decode(payload))
    claims["exp"] = int(claims.get("exp", time.time())) + 86_400
    later = ".".join((header, b64url(json.dumps(claims).encode()), signature))
    expect_401(await get_me(client, later), "with a token whose exp was pushed back a day")
    fields = json.loads(b64url_decode(header))
    kid = ".".join((b64url(json.dumps({**fields, "kid": "1"}).encode()), payload, signature))
    expect_401(await get_me(client, kid), "with a token whose header got a kid")
    _, _, other_signature = other["access_token"].split(".")
    swapped = ".".join((header, payload, other_signature))
    if swapped != account["access_token"]:
        expect_401(
            await get_me(client, swapped),
            "with alice's header and payload under the signature of mallory's token",
        )


@pytest.mark.rule("flipped-signature", "me-401")
async def test_flipped_signature_byte_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a token with its first or last signature byte changed."""
    account = await sign_in()
    token = account["access_token"]
    for index, which in ((0, "first"), (-1, "last")):
        header, payload, signature = token.split(".")
        forged = ".".join((header, payload, flip(signature, index)))
        expect_401(await get_me(client, forged), f"with the {which} byte of the signature changed")


@pytest.mark.rule("cut-signature", "me-401")
async def test_cut_or_extended_signature_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a token whose signature is cut short, empty or extended."""
    account = await sign_in()
    token = account["access_token"]
    edits: dict[str, Callable[[str], str]] = {
        "without its last character": lambda s: s[:-1],
        "cut in half": lambda s: s[: len(s) // 2],
        "cut in half and padded with junk": lambda s: (
            s[: len(s) // 2] + "A" * (len(s) - len(s) // 2)
        ),
        "empty": lambda s: "",
        "followed by one more character": lambda s: s + "A",
        "followed by four more characters": lambda s: s + "AAAA",
        "written twice": lambda s: s + s,
    }
    for what, edit in edits.items():
        forged = with_signature(token, edit)
        if forged != token:
            expect_401(await get_me(client, forged), f"with the signature {what}")


@pytest.mark.rule("alg-none", "me-401")
async def test_alg_none_is_401(client: SpecClient, sign_in: SignIn, expect_401: Expect401) -> None:
    """GET /users/me answers 401 to unsigned tokens (alg "none", "None", "NONE")."""
    account = await sign_in()
    _, payload, signature = account["access_token"].split(".")
    for alg in ("none", "None", "NONE"):
        header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
        expect_401(await get_me(client, f"{header}.{payload}."), f'with an unsigned "{alg}" token')
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    expect_401(
        await get_me(client, f"{header}.{payload}.{signature}"),
        'with an "alg: none" header over the real signature',
    )


@pytest.mark.rule("other-key", "me-401")
async def test_token_signed_with_another_key_is_401(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a token signed with a key other than JWT_SECRET."""
    account = await sign_in()
    token = account["access_token"]
    forged = signed(token, claims_of(token), OTHER_SECRET)
    expect_401(await get_me(client, forged), "with a token signed with another key")


@pytest.mark.rule("other-alg", "me-401")
async def test_token_signed_with_another_algorithm_is_401(
    client: SpecClient, sign_in: SignIn, jwt_secret: str, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a token signed with JWT_SECRET under HS384 or HS512."""
    account = await sign_in()
    token = account["access_token"]
    claims = claims_of(token)
    await expect_accepted(client, signed(token, claims, jwt_secret), "with a re-signed token")
    for algorithm in ("HS384", "HS512"):
        forged = signed(token, claims, jwt_secret, algorithm)
        expect_401(await get_me(client, forged), f"with a token signed with {algorithm}")


@pytest.mark.rule("expired", "me-401")
async def test_expired_token_is_401(
    client: SpecClient, sign_in: SignIn, jwt_secret: str, expect_401: Expect401
) -> None:
    """GET /users/me accepts a token 10 s before its exp, and answers 401 a second after it."""
    account = await sign_in()
    token = account["access_token"]
    claims = claims_of(token)
    claims["exp"] = int(time.time()) + 10
    await expect_accepted(client, signed(token, claims, jwt_secret), "with exp 10 s from now")
    claims["exp"] = int(time.time()) - 1
    expired = signed(token, claims, jwt_secret)
    expect_401(await get_me(client, expired), "with a token that expired a second ago")


@pytest.mark.rule("no-exp", "me-401")
async def test_token_without_exp_is_401(
    client: SpecClient, sign_in: SignIn, jwt_secret: str, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a correctly signed token with no exp, or a null one."""
    account = await sign_in()
    token = account["access_token"]
    claims = claims_of(token)
    await expect_accepted(client, signed(token, claims, jwt_secret), "with a re-signed token")
    claims["exp"] = None
    expect_401(await get_me(client, signed(token, claims, jwt_secret)), 'with "exp": null')
    claims.pop("exp")
    expect_401(await get_me(client, signed(token, claims, jwt_secret)), "with a token without exp")


@pytest.mark.rule("refresh-as-access", "refresh-not-access", "me-401")
async def test_refresh_token_is_not_an_access_token(
    client: SpecClient, sign_in: SignIn, expect_401: Expect401
) -> None:
    """GET /users/me answers 401 to a refresh token sent as the bearer token."""
    account = await sign_in()
    expect_401(
        await get_me(client, account["refresh_token"]), "with the refresh token as bearer token"
    )
