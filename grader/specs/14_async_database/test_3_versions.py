"""Task 3: optimistic concurrency, a version column and 409 on a stale write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_status, fail

pytestmark = pytest.mark.task(3)

Expect = Callable[..., dict[str, Any]]
NewCustomer = Callable[..., Awaitable[dict[str, Any]]]
AtOnce = Callable[..., Awaitable[list[httpx.Response]]]
Describe = Callable[[list[httpx.Response]], str]

MAX_INTEGER = 2**63 - 1


def stored(database: Any, customer_id: int) -> tuple[str, int] | None:
    rows = database.query("SELECT name, version FROM customers WHERE id = ?", customer_id)
    return (rows[0][0], rows[0][1]) if rows else None


@pytest.mark.rule("patch-200", "version-field", "eager")
async def test_patch_with_the_current_version_renames(
    client: SpecClient, new_customer: NewCustomer, expect_customer: Expect, database: Any
) -> None:
    """PATCH /customers/{id} with the current version: 200, new name, version + 1, its accounts."""
    ada = await new_customer("Ada", 300, 400)
    accounts = [
        {key: account[key] for key in ("id", "customer_id", "balance_cents")}
        for account in ada["accounts"]
    ]
    path = f"/customers/{ada['id']}"
    r = await client.patch(path, json={"name": "Ada Lovelace", "version": 1})
    shown = expect_customer(r, 200, {"id": ada["id"], "name": "Ada Lovelace", "version": 2})
    got = [
        {key: a[key] for key in ("id", "customer_id", "balance_cents")} for a in shown["accounts"]
    ]
    assert got == accounts, f"{call(r)} → accounts should be {accounts}, got {got}"
    r = await client.patch(path, json={"name": "Ada King", "version": 2})
    expect_customer(r, 200, {"name": "Ada King", "version": 3})
    r = await client.get(path)
    expect_customer(r, 200, {"name": "Ada King", "version": 3})
    assert stored(database, ada["id"]) == ("Ada King", 3), (
        f"PATCH {path} twice → the database holds {stored(database, ada['id'])}"
    )


@pytest.mark.rule("stale-409")
async def test_a_stale_version_is_409(
    client: SpecClient, new_customer: NewCustomer, expect_customer: Expect, database: Any
) -> None:
    """PATCH /customers/{id} with a version not the current one answers 409, changing nothing."""
    ada = await new_customer("Ada")
    path = f"/customers/{ada['id']}"
    expect_customer(await client.patch(path, json={"name": "Ada L", "version": 1}), 200)
    for version in (1, 3, 4, 1000, MAX_INTEGER):
        r = await client.patch(path, json={"name": f"Stale {version}", "version": version})
        if r.status_code != 409:
            raise fail(
                f'{call(r)} with "version": {version} while the customer is at version 2 → '
                f"expected 409, got {r.status_code}: {body_excerpt(r)}"
            )
    assert stored(database, ada["id"]) == ("Ada L", 2), (
        f"stale PATCHes of {path} → the database holds {stored(database, ada['id'])}, "
        "expected ('Ada L', 2)"
    )
    expect_customer(await client.patch(path, json={"name": "Ada M", "version": 2}), 200)


@pytest.mark.rule("patch-422", "name-field")
async def test_bad_patches_are_422(
    client: SpecClient, new_customer: NewCustomer, database: Any
) -> None:
    """PATCH /customers/{id} answers 422, changing nothing, without both fields or with bad ones."""
    ada = await new_customer("Ada")
    path = f"/customers/{ada['id']}"
    for case in (
        {"name": "Ada L"},
        {"version": 1},
        {},
        {"name": "", "version": 1},
        {"name": "x" * 101, "version": 1},
        {"name": None, "version": 1},
        {"name": "Ada L", "version": None},
        {"name": "Ada L", "version": 0},
        {"name": "Ada L", "version": -1},
        {"name": "Ada L", "version": MAX_INTEGER + 1},
        {"name": "Ada L", "version": 10**30},
        {"name": "Ada L", "version": 1.5},
        {"name": "Ada L", "version": "first"},
    ):
        r = await client.patch(path, json=case)
        if r.status_code != 422:
            raise fail(
                f"{call(r)} with {case} → expected 422, got {r.status_code}: {body_excerpt(r)}"
            )
    assert stored(database, ada["id"]) == ("Ada", 1), (
        f"rejected PATCHes of {path} → the database holds {stored(database, ada['id'])}"
    )
    r = await client.patch(path, json={"name": "N" * 100, "version": 1})
    expect_status(r, 200)


@pytest.mark.rule("patch-404", "not-found")
async def test_patch_of_no_customer_is_404(
    client: SpecClient, new_customer: NewCustomer, database: Any
) -> None:
    """PATCH /customers/{id} answers 404 for no such customer, however large its id."""
    ada = await new_customer("Ada")
    for customer_id in (ada["id"] + 1, 0, MAX_INTEGER, MAX_INTEGER + 1, 2**64, -(2**64)):
        r = await client.patch(f"/customers/{customer_id}", json={"name": "X", "version": 1})
        expect_status(r, 404)
        assert stored(database, ada["id"]) == ("Ada", 1), (
            f"{call(r)} answered 404 → but customer {ada['id']} changed: "
            f"{stored(database, ada['id'])}"
        )
    expect_status(await client.patch("/customers/abc", json={"name": "X", "version": 1}), 422)
    database.execute(f"INSERT INTO customers (id, name, version) VALUES ({MAX_INTEGER}, 'Max', 4)")
    r = await client.patch(f"/customers/{MAX_INTEGER}", json={"name": "Maxi", "version": 4})
    if r.status_code != 200 or r.json().get("version") != 5:
        raise fail(
            f"{call(r)} of the customer whose id is 2⁶³ − 1 → expected 200 and version 5, "
            f"got {r.status_code}: {body_excerpt(r)}"
        )


@pytest.mark.rule("patch-ignored")
async def test_patch_ignores_server_fields(
    client: SpecClient, new_customer: NewCustomer, expect_customer: Expect, database: Any
) -> None:
    """id, accounts and customer_id in a PATCH body are ignored: the rename still happens."""
    ada = await new_customer("Ada", 10)
    ben = await new_customer("Ben")
    r = await client.patch(
        f"/customers/{ada['id']}",
        json={
            "name": "Ada L",
            "version": 1,
            "id": ben["id"] + 50,
            "customer_id": ben["id"],
            "accounts": [],
        },
    )
    shown = expect_customer(r, 200, {"id": ada["id"], "name": "Ada L", "version": 2})
    assert len(shown["accounts"]) == 1, f"{call(r)} → the account is gone: {shown!r}"
    assert stored(database, ben["id"]) == ("Ben", 1), f"{call(r)} → Ben changed"
    rows = database.query("SELECT id, customer_id FROM accounts")
    assert rows == [(ada["accounts"][0]["id"], ada["id"])], f"{call(r)} → accounts now {rows}"


@pytest.mark.rule("concurrent-patch")
async def test_concurrent_patches_one_wins(
    client: SpecClient,
    new_customer: NewCustomer,
    database: Any,
    at_once: AtOnce,
    describe: Describe,
) -> None:
    """Of 6 concurrent PATCHes that all send the current version, exactly one answers 200."""
    ada = await new_customer("Ada")
    path = f"/customers/{ada['id']}"
    responses = await at_once(
        *(client.patch(path, json={"name": f"Writer {n}", "version": 1}) for n in range(6))
    )
    winners = [r for r in responses if r.status_code == 200]
    others = [r.status_code for r in responses if r.status_code != 200]
    if len(winners) != 1 or set(others) != {409}:
        raise fail(
            f"6 PATCH {path} at once, each with the current version 1 → statuses "
            f"{describe(responses)}; expected one 200 and five 409 (a lost update)"
        )
    name = winners[0].json().get("name")
    assert stored(database, ada["id"]) == (name, 2), (
        f"6 PATCH {path} at once → the 200 said {name!r}, the database holds "
        f"{stored(database, ada['id'])}"
    )
