"""Task 2: transfers, all or nothing, refused by the database and raced."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_object, expect_status, fail

pytestmark = pytest.mark.task(2)

NewCustomer = Callable[..., Awaitable[dict[str, Any]]]
AtOnce = Callable[..., Awaitable[list[httpx.Response]]]
Describe = Callable[[list[httpx.Response]], str]

MAX_INTEGER = 2**63 - 1


def ids(customer: dict[str, Any]) -> list[int]:
    return [account["id"] for account in customer["accounts"]]


def body(source: Any, target: Any, amount: Any) -> dict[str, Any]:
    return {"from_account_id": source, "to_account_id": target, "amount_cents": amount}


def unchanged(database: Any, before: dict[int, int], what: str) -> None:
    after = database.balances()
    if after != before:
        changed = {
            i: f"{before.get(i)} → {after.get(i)}" for i in after if after[i] != before.get(i)
        }
        raise fail(f"{what} → no balance should change, but in the database {changed}")


def expect_refused(r: httpx.Response, status: int, database: Any, before: dict[int, int]) -> None:
    if r.status_code != status:
        raise fail(
            f"{call(r)} with {r.request.content.decode()} → expected {status}, "
            f"got {r.status_code}: {body_excerpt(r)}"
        )
    unchanged(database, before, f"{call(r)} answered {status}")


@pytest.mark.rule("transfer-200")
async def test_transfer_moves_the_money(
    client: SpecClient, new_customer: NewCustomer, database: Any
) -> None:
    """POST /transfers answers 200 with both accounts after the move; the database agrees."""
    a, b = ids(await new_customer("Ada", 10000, 500))
    (c,) = ids(await new_customer("Ben", 42))
    r = await client.post("/transfers", json=body(a, b, 2500))
    answer = expect_object(r, 200, "from_account", "to_account")
    wanted = {
        "from_account": {"id": a, "balance_cents": 7500},
        "to_account": {"id": b, "balance_cents": 3000},
    }
    for side, values in wanted.items():
        shown = answer[side]
        if not isinstance(shown, dict) or any(shown.get(k) != v for k, v in values.items()):
            raise fail(f'{call(r)} → "{side}" should be the account {values}, got {shown!r}')
    assert database.balances() == {a: 7500, b: 3000, c: 42}, (
        f"{call(r)} → the database holds {database.balances()}"
    )
    r = await client.post("/transfers", json=body(c, a, 42))
    expect_status(r, 200)
    assert database.balances() == {a: 7542, b: 3000, c: 0}, (
        f"{call(r)} of a whole balance → the database holds {database.balances()}"
    )
    r = await client.get(f"/accounts/{c}")
    assert r.json().get("balance_cents") == 0, f"{call(r)} → {body_excerpt(r)}"


@pytest.mark.rule("transfer-422", "all-or-nothing")
async def test_bad_transfers_are_422(
    client: SpecClient, new_customer: NewCustomer, database: Any
) -> None:
    """POST /transfers answers 422, moving nothing, for a bad amount or id, or one account twice."""
    a, b = ids(await new_customer("Ada", 5000, 5000))
    before = database.balances()
    cases: list[dict[str, Any]] = [
        body(a, b, 0),
        body(a, b, -100),
        body(a, b, MAX_INTEGER + 1),
        body(a, b, 10**30),
        body(a, b, 12.5),
        body(a, b, "100 cents"),
        body(a, b, None),
        {"from_account_id": a, "to_account_id": b},
        {"from_account_id": a, "amount_cents": 100},
        {"to_account_id": b, "amount_cents": 100},
        body(a, a, 100),
        body(0, b, 100),
        body(a, -1, 100),
        body(MAX_INTEGER + 1, b, 100),
        body(a, 2**64, 100),
        body("one", b, 100),
    ]
    for case in cases:
        expect_refused(await client.post("/transfers", json=case), 422, database, before)
    # Large ids are distinct objects in Python: "the same account" is equality, not identity.
    database.execute(
        f"INSERT INTO accounts (id, customer_id, balance_cents) VALUES ({MAX_INTEGER}, 1, 900)"
    )
    database.execute("INSERT INTO accounts (id, customer_id, balance_cents) VALUES (7000, 1, 900)")
    before = database.balances()
    for same in (MAX_INTEGER, 7000):
        r = await client.post("/transfers", json=body(same, same, 100))
        expect_refused(r, 422, database, before)
    r = await client.post("/transfers", json=body(MAX_INTEGER, 7000, 100))
    expect_status(r, 200)


@pytest.mark.rule("transfer-404", "all-or-nothing")
async def test_transfers_with_a_missing_account_are_404(
    client: SpecClient, new_customer: NewCustomer, database: Any
) -> None:
    """POST /transfers answers 404, moving nothing, when either account does not exist."""
    a, b = ids(await new_customer("Ada", 5000, 5000))
    before = database.balances()
    missing = max(a, b) + 1
    for case in (
        body(a, missing, 100),
        body(missing, b, 100),
        body(a, MAX_INTEGER, 100),
        body(MAX_INTEGER, a, 100),
        body(missing, missing + 1, 100),
        body(missing, b, 10**6),
    ):
        expect_refused(await client.post("/transfers", json=case), 404, database, before)


@pytest.mark.rule("insufficient-409", "all-or-nothing")
async def test_a_transfer_past_the_balance_is_409(
    client: SpecClient, new_customer: NewCustomer, database: Any
) -> None:
    """POST /transfers answers 409, moving nothing, for one cent more than the sending balance."""
    a, b = ids(await new_customer("Ada", 1000, 0))
    before = database.balances()
    expect_refused(await client.post("/transfers", json=body(a, b, 1001)), 409, database, before)
    expect_refused(await client.post("/transfers", json=body(b, a, 1)), 409, database, before)
    expect_refused(
        await client.post("/transfers", json=body(a, b, MAX_INTEGER)), 409, database, before
    )
    expect_status(await client.post("/transfers", json=body(a, b, 1000)), 200)


@pytest.mark.rule("overflow-409", "all-or-nothing")
async def test_a_transfer_past_the_largest_balance_is_409(
    client: SpecClient, new_customer: NewCustomer, database: Any
) -> None:
    """POST /transfers answers 409, moving nothing, when the receiver would pass 2⁶³ − 1."""
    a, b = ids(await new_customer("Ada", 100, MAX_INTEGER - 10))
    before = database.balances()
    expect_refused(await client.post("/transfers", json=body(a, b, 11)), 409, database, before)
    r = await client.post("/transfers", json=body(a, b, 10))
    expect_status(r, 200)
    assert database.balances() == {a: 90, b: MAX_INTEGER}, (
        f"{call(r)} → the database holds {database.balances()}"
    )


@pytest.mark.parametrize("side", ["receiving", "sending"])
@pytest.mark.rule("refused-409", "all-or-nothing")
async def test_a_refused_step_undoes_the_whole_transfer(
    client: SpecClient, new_customer: NewCustomer, database: Any, side: str
) -> None:
    """A transfer the database refuses halfway answers 409, and no balance changes."""
    a, b, c = ids(await new_customer("Ada", 8000, 100, 300))
    refused = b if side == "receiving" else a
    database.refuse(refused)
    before = database.balances()
    r = await client.post("/transfers", json=body(a, b, 2000))
    if r.status_code != 409:
        raise fail(
            f"{call(r)} from {a} to {b}, the database refusing any change of the {side} "
            f"account → expected 409, got {r.status_code}: {body_excerpt(r)}"
        )
    unchanged(database, before, f"{call(r)} refused by the database ({side} account)")
    # The failed transaction is over: the app keeps working.
    other = body(c, a, 50) if side == "receiving" else body(c, b, 50)
    r = await client.post("/transfers", json=other)
    expect_status(r, 200)


async def _race(
    client: SpecClient, at_once: AtOnce, requests: list[dict[str, Any]]
) -> list[httpx.Response]:
    return await at_once(*(client.post("/transfers", json=request) for request in requests))


@pytest.mark.rule("no-lost-money")
async def test_concurrent_transfers_never_overdraw(
    client: SpecClient,
    new_customer: NewCustomer,
    database: Any,
    at_once: AtOnce,
    describe: Describe,
) -> None:
    """Of 8 concurrent 30.00 transfers from 100.00, exactly 3 succeed; no money is lost."""
    (a,) = ids(await new_customer("Ada", 10000))
    b, c = ids(await new_customer("Ben", 0, 0))
    responses = await _race(client, at_once, [body(a, (b, c)[n % 2], 3000) for n in range(8)])
    codes = sorted(r.status_code for r in responses)
    balances = database.balances()
    if codes != [200] * 3 + [409] * 5 or balances[a] != 1000 or sum(balances.values()) != 10000:
        raise fail(
            f"8 POST /transfers of 3000 cents at once from an account holding 10000 → statuses "
            f"{describe(responses)} (expected three 200 and five 409), balances afterwards "
            f"{balances} (expected {a}: 1000 and 10000 in all)"
        )


@pytest.mark.rule("no-lost-money")
async def test_concurrent_transfers_into_one_account_all_count(
    client: SpecClient,
    new_customer: NewCustomer,
    database: Any,
    at_once: AtOnce,
    describe: Describe,
) -> None:
    """Six concurrent transfers into one account from six others all arrive: none is lost."""
    (target,) = ids(await new_customer("Ada", 100))
    senders = ids(await new_customer("Ben", *(1000 + n for n in range(6))))
    responses = await _race(client, at_once, [body(s, target, 700) for s in senders])
    balances = database.balances()
    expected = {target: 100 + 6 * 700, **{s: 300 + n for n, s in enumerate(senders)}}
    if [r.status_code for r in responses] != [200] * 6 or balances != expected:
        raise fail(
            f"6 POST /transfers of 700 cents at once into account {target} → statuses "
            f"{describe(responses)}, balances {balances}, expected all 200 and {expected}"
        )


@pytest.mark.rule("no-lost-money")
async def test_concurrent_transfers_both_ways(
    client: SpecClient,
    new_customer: NewCustomer,
    database: Any,
    at_once: AtOnce,
    describe: Describe,
) -> None:
    """Transfers between two accounts in both directions at once keep the total, none a 500."""
    a, b = ids(await new_customer("Ada", 5000, 5000))
    requests = [body(a, b, 100 + n) if n % 2 else body(b, a, 200 + n) for n in range(10)]
    responses = await _race(client, at_once, requests)
    balances = database.balances()
    moved = sum(
        (-1 if request["from_account_id"] == a else 1) * request["amount_cents"]
        for request, r in zip(requests, responses, strict=True)
        if r.status_code == 200
    )
    if any(r.status_code != 200 for r in responses) or balances != {
        a: 5000 + moved,
        b: 5000 - moved,
    }:
        raise fail(
            f"10 POST /transfers at once between accounts {a} and {b} (each covered) → statuses "
            f"{describe(responses)}, balances {balances}, expected all 200 and "
            f"{ {a: 5000 + moved, b: 5000 - moved} }"
        )
