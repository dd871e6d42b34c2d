"""Task 7: service accounts and API keys. Narrow, shown once, never stored, revocable."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import httpx
import pytest

from grader.kit import SpecClient, call, expect_json, expect_list, fail

pytestmark = pytest.mark.task(7)

ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE, HEIDI = range(1, 9)

Bearer = Callable[..., dict[str, str]]
Expect401 = Callable[[httpx.Response, str], None]
Expect403 = Callable[[httpx.Response, str], None]
ExpectHidden = Callable[[httpx.Response, str], Awaitable[None]]
CreateKey = Callable[..., Awaitable[dict[str, Any]]]
Expenses = dict[int, dict[str, Any]]


class Database(Protocol):
    def cells(self) -> list[tuple[str, str, Any]]: ...


def with_key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def expect_exactly(response: httpx.Response, expected: Any, why: str) -> None:
    body = expect_json(response, 200)
    if body != expected:
        raise fail(
            f"{call(response)} {why} → expected {json.dumps(expected)}, got {json.dumps(body)}"
        )


#: Every endpoint a service account may not use, with a valid body.
REFUSED = [
    ("GET", "/users/me", None),
    ("PATCH", "/users/me", {"display_name": "Service"}),
    ("POST", "/expenses", {"amount_cents": 100, "description": "Service"}),
    ("PATCH", "/expenses/1", {"description": "Service"}),
    ("POST", "/expenses/3/approve", None),
    ("GET", "/admin/users", None),
    ("PATCH", "/admin/users/3", {"role": "admin"}),
    ("GET", "/admin/api-keys", None),
    ("POST", "/admin/api-keys", {"name": "another"}),
]


@pytest.mark.rule("service-reads", "key-org", "hidden-404")
async def test_a_key_reads_its_organisations_expenses(
    client: SpecClient,
    create_key: CreateKey,
    expect_hidden: ExpectHidden,
    seeded_expenses: Expenses,
) -> None:
    """A key reads every expense of its organisation (list, search, summary, single reads), and
    gets 404, as for no such id, for the other organisation's."""
    acme = (await create_key(ALICE, "acme-export"))["key"]
    globex = (await create_key(ERIN, "globex-export"))["key"]
    for key, ids, name in [(acme, [1, 2, 3, 4], "Acme's"), (globex, [5, 6, 7], "Globex's")]:
        why = f"with {name} key"
        expected = [seeded_expenses[expense_id] for expense_id in ids]
        expect_exactly(await client.get("/expenses", headers=with_key(key)), expected, why)
        total = sum(seeded_expenses[expense_id]["amount_cents"] for expense_id in ids)
        expect_exactly(
            await client.get("/expenses/summary", headers=with_key(key)),
            {"count": len(ids), "total_cents": total},
            why,
        )
        for expense_id in ids:
            expect_exactly(
                await client.get(f"/expenses/{expense_id}", headers=with_key(key)),
                seeded_expenses[expense_id],
                why,
            )
    expect_exactly(
        await client.get("/expenses", params={"q": "taxi"}, headers=with_key(acme)),
        [seeded_expenses[1], seeded_expenses[4]],
        "with Acme's key",
    )
    for expense_id in (5, 6, 7):
        response = await client.get(f"/expenses/{expense_id}", headers=with_key(acme))
        await expect_hidden(response, "with Acme's key")
    response = await client.get(
        "/expenses", params={"org_id": "2"}, headers={**with_key(acme), "X-Org-Id": "2"}
    )
    ids = [item.get("id") for item in expect_list(response, 200)]
    if ids != [1, 2, 3, 4]:
        raise fail(f"{call(response)} with Acme's key and X-Org-Id: 2 → got the expenses {ids}")


@pytest.mark.rule("service-refused", "auth-before-validation")
async def test_a_key_is_refused_everywhere_else(
    client: SpecClient,
    bearer: Bearer,
    create_key: CreateKey,
    expect_403: Expect403,
    seeded_expenses: Expenses,
) -> None:
    """Every endpoint but the three reads answers a valid key 403 (not 401), does nothing, and
    refuses before validating what the key sent."""
    created = await create_key(ALICE, "acme-export")
    key = created["key"]
    requests = [*REFUSED, ("DELETE", f"/admin/api-keys/{created['id']}", None)]
    for method, path, body in requests:
        response = await client.request(method, path, json=body, headers=with_key(key))
        expect_403(response, "with a valid API key (a service account)")
    for expense_id in (1, 3):
        expect_exactly(
            await client.get(f"/expenses/{expense_id}", headers=bearer(ALICE)),
            seeded_expenses[expense_id],
            "after the service account's refused requests",
        )
    keys = expect_json(await client.get("/admin/api-keys", headers=bearer(ALICE)), 200)
    if keys != [{"id": created["id"], "name": "acme-export"}]:
        raise fail(f"GET /admin/api-keys after the service account's requests → got {keys}")
    invalid: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/expenses", {"amount_cents": 0}),
        ("PATCH", "/expenses/abc", {"description": "x"}),
        ("PATCH", "/users/me", {}),
        ("POST", "/expenses/abc/approve", None),
        ("PATCH", "/admin/users/abc", {"role": "root"}),
        ("POST", "/admin/api-keys", {}),
    ]
    for method, path, sent in invalid:
        response = await client.request(method, path, json=sent, headers=with_key(key))
        expect_403(response, f"with {json.dumps(sent)} and a valid API key")


@pytest.mark.rule("key-once")
async def test_the_key_is_shown_once(
    client: SpecClient, bearer: Bearer, create_key: CreateKey
) -> None:
    """The key appears in the answer of POST /admin/api-keys and in no other response."""
    created = await create_key(ALICE, "acme-export")
    key = created["key"]
    responses = [
        await client.get("/admin/api-keys", headers=bearer(ALICE)),
        await client.get("/admin/users", headers=bearer(ALICE)),
        await client.get("/expenses", headers=with_key(key)),
        await client.get("/expenses/5", headers=with_key(key)),
        await client.get("/users/me", headers=with_key(key)),
        await client.post("/expenses", json={"amount_cents": 0}, headers=with_key(key)),
        await client.get("/admin/api-keys", headers=with_key(key)),
        await client.get("/expenses", headers={**with_key(key), "Authorization": "Bearer x"}),
        await client.delete(f"/admin/api-keys/{created['id']}", headers=bearer(ALICE)),
        await client.get("/expenses", headers=with_key(key)),
    ]
    for response in responses:
        if key in response.text or any(key in value for value in response.headers.values()):
            raise fail(f"{call(response)} → the response shows the API key")


@pytest.mark.rule("key-not-stored", "key-random")
async def test_keys_are_random_and_never_stored(create_key: CreateKey, database: Database) -> None:
    """Every key is at least 32 characters long, unlike every other, and held in no column of
    any table: the database keeps a hash."""
    admins = (ALICE, ALICE, ERIN, ERIN, ALICE)
    keys = [(await create_key(admin, f"export-{n}"))["key"] for n, admin in enumerate(admins)]
    short = [key for key in keys if len(key) < 32]
    if short:
        raise fail(f"POST /admin/api-keys → a key of {len(short[0])} characters: {short[0]!r}")
    if len(set(keys)) != len(keys):
        raise fail("POST /admin/api-keys five times → two of the keys are the same")
    for table, column, value in database.cells():
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        for key in keys:
            if key in text:
                raise fail(
                    f"POST /admin/api-keys → the database holds the key in {table}.{column}: "
                    "store a hash of it"
                )


@pytest.mark.rule("key-revoked")
async def test_a_revoked_key_is_401(
    client: SpecClient, bearer: Bearer, create_key: CreateKey, expect_401: Expect401
) -> None:
    """A key that worked answers 401 once revoked by DELETE; the organisation's other keys work."""
    first = await create_key(ALICE, "old-export")
    second = await create_key(ALICE, "new-export")
    other = await create_key(ERIN, "globex-export")
    response = await client.get("/expenses/summary", headers=with_key(first["key"]))
    if response.status_code != 200:
        raise fail(f"{call(response)} with a new key → expected 200, got {response.status_code}")
    response = await client.delete(f"/admin/api-keys/{first['id']}", headers=bearer(ALICE))
    if response.status_code != 204:
        raise fail(f"{call(response)} → expected 204, got {response.status_code}")
    for path in ("/expenses", "/expenses/summary", "/expenses/1"):
        expect_401(await client.get(path, headers=with_key(first["key"])), "with a revoked key")
    for created, name in [(second, "Acme's other key"), (other, "Globex's key")]:
        response = await client.get("/expenses/summary", headers=with_key(created["key"]))
        if response.status_code != 200:
            raise fail(
                f"{call(response)} with {name}, after another key was revoked → expected 200, "
                f"got {response.status_code}"
            )


@pytest.mark.rule("key-forged", "credentials-both")
async def test_near_misses_of_a_key_are_401(
    client: SpecClient, create_key: CreateKey, mint: Callable[..., str], expect_401: Expect401
) -> None:
    """A key with a character changed, added or removed, cut, in another header, sent twice or
    beside other credentials, is 401."""
    key = str((await create_key(ALICE, "acme-export"))["key"])

    def changed(index: int) -> str:
        character = "A" if key[index] != "A" else "B"
        return key[:index] + character + key[index + 1 :]

    near = {
        "the last character changed": changed(-1),
        "the first character changed": changed(0),
        "a character added": key + "x",
        "the last character removed": key[:-1],
        "the first character removed": key[1:],
        "its first 8 characters": key[:8],
        "its first half": key[: len(key) // 2],
        "in upper case": key.upper() if key.upper() != key else key.lower(),
        "unknown": "this-is-not-a-key-of-this-api-0123456789",
    }
    for what, forged in near.items():
        expect_401(await client.get("/expenses", headers=with_key(forged)), f"with a key {what}")
    expect_401(
        await client.get("/expenses", headers={"Authorization": f"Bearer {key}"}),
        "with the API key sent as a bearer token",
    )
    response = await client.get("/expenses", headers=with_key(key))
    if response.status_code != 200:
        raise fail(f"{call(response)} with the real key → expected 200, got {response.status_code}")
    other = (await create_key(ERIN, "globex-export"))["key"]
    for headers, what in [
        ([("X-API-Key", key), ("X-API-Key", key)], "the same key twice"),
        ([("X-API-Key", key), ("X-API-Key", other)], "Acme's key, then Globex's"),
        ([("X-API-Key", "garbage"), ("X-API-Key", key)], "garbage, then a valid key"),
        ([("X-API-Key", key), ("Authorization", f"Bearer {mint(CAROL)}")], "a key and a token"),
        ([("X-API-Key", key), ("Authorization", "Bearer garbage")], "a key and a bad token"),
    ]:
        expect_401(await client.get("/expenses", headers=headers), f"with {what}")


@pytest.mark.rule("key-body", "server-owned", "org-from-credentials")
async def test_a_key_cannot_be_made_more_powerful(
    client: SpecClient, bearer: Bearer, expect_403: Expect403
) -> None:
    """POST /admin/api-keys never applies org_id, scopes or role: the key reads its admin's
    organisation, and nothing more."""
    for field, value in [
        ("org_id", 2),
        ("scopes", ["admin", "expenses:write", "expenses:approve"]),
        ("scope", "admin expenses:write"),
        ("role", "admin"),
        ("permissions", ["admin"]),
    ]:
        body = {"name": "escalate", field: value}
        response = await client.post("/admin/api-keys", json=body, headers=bearer(ALICE))
        if response.status_code == 422:
            continue
        created = expect_json(response, 201)
        key = created.get("key") if isinstance(created, dict) else None
        if not isinstance(key, str):
            raise fail(f"{call(response)} with {json.dumps(body)} → no key in {created}")
        sent = f"with the key made from {json.dumps(body)}"
        ids = [
            item.get("id")
            for item in expect_list(await client.get("/expenses", headers=with_key(key)))
        ]
        if ids != [1, 2, 3, 4]:
            raise fail(f"GET /expenses {sent} → expected Acme's [1, 2, 3, 4], got {ids}")
        for method, path, payload in [
            ("GET", "/admin/users", None),
            ("POST", "/expenses", {"amount_cents": 100, "description": "x"}),
            ("POST", "/expenses/3/approve", None),
        ]:
            response = await client.request(method, path, json=payload, headers=with_key(key))
            expect_403(response, sent)
