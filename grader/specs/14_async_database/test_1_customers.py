"""Task 1: customers and accounts, a session per request, relationships loaded eagerly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_list, expect_status, fail

pytestmark = pytest.mark.task(1)

Expect = Callable[..., dict[str, Any]]
NewCustomer = Callable[..., Awaitable[dict[str, Any]]]
Statements = Callable[[], AbstractContextManager[list[str]]]
AtOnce = Callable[..., Awaitable[list[httpx.Response]]]
Describe = Callable[[list[httpx.Response]], str]

MAX_INTEGER = 2**63 - 1
HUGE = [MAX_INTEGER, MAX_INTEGER + 1, 2**64, 10**30]


def plain(customer: dict[str, Any]) -> dict[str, Any]:
    """A customer with exactly the README's fields (for comparing two responses)."""
    return {
        "id": customer["id"],
        "name": customer["name"],
        "version": customer["version"],
        "accounts": [
            {key: account[key] for key in ("id", "customer_id", "balance_cents")}
            for account in customer["accounts"]
        ],
    }


async def expect_nothing_stored(client: SpecClient, what: str) -> None:
    r = await client.get("/customers")
    listed = expect_list(r)
    if listed:
        raise fail(f"{what} → rejected, so nothing should be stored; {call(r)} lists {listed!r}")


@pytest.mark.rule("post-customer", "customer-fields", "version-field", "server-ids")
async def test_post_customer_returns_201_and_the_customer(
    client: SpecClient, expect_customer: Expect
) -> None:
    """POST /customers answers 201 with the customer: an integer id, version 1, no accounts."""
    r = await client.post("/customers", json={"name": "Ada Lovelace"})
    customer = expect_customer(r, 201, {"name": "Ada Lovelace", "version": 1, "accounts": []})
    assert isinstance(customer["id"], int), f'{call(r)} → "id" should be an integer: {customer!r}'
    r = await client.post("/customers", json={"name": "Charles Babbage"})
    other = expect_customer(r, 201, {"name": "Charles Babbage", "version": 1, "accounts": []})
    assert other["id"] != customer["id"], f"{call(r)} → two customers got one id, {other['id']}"


@pytest.mark.rule("post-customer", "name-field", "rejected-stores-nothing")
async def test_post_customer_enforces_the_name_rule(
    client: SpecClient, expect_customer: Expect
) -> None:
    """POST /customers answers 422, storing nothing, for a missing, empty, long or numeric name."""
    bodies: dict[str, Any] = {
        "an empty object": {},
        '"name": ""': {"name": ""},
        "a 101-character name": {"name": "x" * 101},
        '"name": null': {"name": None},
        '"name": 42': {"name": 42},
        "an array": [{"name": "Ada"}],
    }
    for case, body in bodies.items():
        r = await client.post("/customers", json=body)
        if r.status_code != 422:
            raise fail(
                f"{call(r)} with {case} → expected 422, got {r.status_code}: {body_excerpt(r)}"
            )
    await expect_nothing_stored(client, "POST /customers with bad names")
    for name in ("A", "N" * 100, "O'Brien; DROP TABLE customers; -- %_"):
        expect_customer(await client.post("/customers", json={"name": name}), 201, {"name": name})


@pytest.mark.rule("open-account", "account-fields", "balance-field", "get-account")
async def test_open_account_returns_201_and_the_account(
    client: SpecClient, new_customer: NewCustomer, expect_account: Expect
) -> None:
    """POST /customers/{id}/accounts answers 201 with the account; GET /accounts/{id} reads it."""
    ada = await new_customer("Ada")
    for balance in (0, 2599, MAX_INTEGER):
        r = await client.post(f"/customers/{ada['id']}/accounts", json={"balance_cents": balance})
        account = expect_account(r, 201, {"customer_id": ada["id"], "balance_cents": balance})
        r = await client.get(f"/accounts/{account['id']}")
        expect_account(r, 200, account)


@pytest.mark.rule("open-account", "balance-field", "rejected-stores-nothing")
async def test_open_account_rejects_bad_balances(
    client: SpecClient, new_customer: NewCustomer, expect_customer: Expect
) -> None:
    """POST /customers/{id}/accounts answers 422, storing nothing, for a bad balance."""
    ada = await new_customer("Ada")
    bodies: dict[str, Any] = {
        "an empty object": {},
        '"balance_cents": -1': {"balance_cents": -1},
        f'"balance_cents": {MAX_INTEGER + 1}': {"balance_cents": MAX_INTEGER + 1},
        '"balance_cents": 10**30': {"balance_cents": 10**30},
        '"balance_cents": 9.99': {"balance_cents": 9.99},
        '"balance_cents": "lots"': {"balance_cents": "lots"},
        '"balance_cents": null': {"balance_cents": None},
    }
    for case, body in bodies.items():
        r = await client.post(f"/customers/{ada['id']}/accounts", json=body)
        if r.status_code != 422:
            raise fail(
                f"{call(r)} with {case} → expected 422, got {r.status_code}: {body_excerpt(r)}"
            )
    r = await client.get(f"/customers/{ada['id']}")
    expect_customer(r, 200, {"accounts": []})


@pytest.mark.rule("open-account", "not-found")
async def test_open_account_for_no_customer_is_404(
    client: SpecClient, new_customer: NewCustomer
) -> None:
    """POST /customers/{id}/accounts answers 404 for no such customer, however large its id."""
    ada = await new_customer("Ada")
    for customer_id in [ada["id"] + 1, 0, -1, *HUGE]:
        r = await client.post(f"/customers/{customer_id}/accounts", json={"balance_cents": 100})
        expect_status(r, 404)
    r = await client.post("/customers/abc/accounts", json={"balance_cents": 100})
    expect_status(r, 422)
    r = await client.get(f"/accounts/{1}")
    expect_status(r, 404)


@pytest.mark.rule("get-customer", "eager", "accounts-order")
async def test_get_customer_shows_its_accounts(
    client: SpecClient, new_customer: NewCustomer, expect_customer: Expect
) -> None:
    """GET /customers/{id} answers 200 with the customer and its accounts, ordered by id."""
    ada = await new_customer("Ada", 1000, 0, 250)
    await new_customer("Ben", 75)
    r = await client.get(f"/customers/{ada['id']}")
    shown = expect_customer(r, 200, {"name": "Ada", "version": 1})
    if plain(shown) != plain(ada):
        raise fail(f"{call(r)} → expected {plain(ada)!r}, got {plain(shown)!r}")


@pytest.mark.rule("get-customer", "eager")
async def test_get_customer_without_accounts(
    client: SpecClient, new_customer: NewCustomer, expect_customer: Expect
) -> None:
    """GET /customers/{id} of a customer with no accounts answers 200 and "accounts": []."""
    ada = await new_customer("Ada")
    expect_customer(await client.get(f"/customers/{ada['id']}"), 200, {"accounts": []})


@pytest.mark.rule("eager", "session-per-request", "database-url")
async def test_responses_show_the_database_as_it_is(
    client: SpecClient, new_customer: NewCustomer, expect_customer: Expect, database: Any
) -> None:
    """A customer read after another program changed its rows shows the change (no stale data)."""
    ada = await new_customer("Ada", 1000)
    account_id = ada["accounts"][0]["id"]
    expect_customer(await client.get(f"/customers/{ada['id']}"), 200)
    await client.get("/customers")
    database.execute("UPDATE accounts SET balance_cents = 4242 WHERE id = ?", account_id)
    database.execute("UPDATE customers SET name = 'Ada King' WHERE id = ?", ada["id"])
    r = await client.get(f"/customers/{ada['id']}")
    shown = expect_customer(r, 200, {"name": "Ada King"})
    balance = shown["accounts"][0]["balance_cents"] if shown["accounts"] else None
    assert balance == 4242, (
        f"{call(r)} after the database's balance became 4242 → shows {balance!r}: "
        "is a session kept from one request to the next?"
    )
    r = await client.get(f"/accounts/{account_id}")
    assert r.json().get("balance_cents") == 4242, f"{call(r)} → stale balance: {body_excerpt(r)}"
    r = await client.get("/customers")
    listed = expect_list(r)
    assert listed and listed[0].get("name") == "Ada King", f"{call(r)} → stale: {listed!r}"


@pytest.mark.rule("list-customers", "eager", "accounts-order")
async def test_list_customers_with_their_accounts(
    client: SpecClient, new_customer: NewCustomer
) -> None:
    """GET /customers answers [] at first, then every customer with its accounts, ordered by id."""
    r = await client.get("/customers")
    assert expect_list(r) == [], f"{call(r)} on an empty database → expected [], got {r.text}"
    created = [
        await new_customer("Ada", 500, 20),
        await new_customer("Ben"),
        await new_customer("Cy", 7),
    ]
    extra = await client.post(f"/customers/{created[0]['id']}/accounts", json={"balance_cents": 33})
    created[0]["accounts"].append(expect_status(extra, 201).json())
    r = await client.get("/customers")
    listed = expect_list(r)
    try:
        shown = [plain(customer) for customer in listed]
    except (KeyError, TypeError):
        raise fail(f"{call(r)} → expected customers with their accounts, got {listed!r}") from None
    expected = [plain(customer) for customer in created]
    if shown != expected:
        raise fail(f"{call(r)} → expected {expected!r}, got {shown!r}")


@pytest.mark.rule("list-bound", "engine")
async def test_list_sends_at_most_two_statements(
    client: SpecClient, new_customer: NewCustomer, statements: Statements
) -> None:
    """GET /customers sends at most 2 SQL statements, however many customers and accounts."""
    for n in range(8):
        await new_customer(f"Customer {n}", *range(100 * n, 100 * n + n % 3 + 1))
    with statements() as sent:
        r = await client.get("/customers")
    listed = expect_list(r)
    assert len(listed) == 8, f"{call(r)} → expected 8 customers, got {len(listed)}"
    if not sent:
        raise fail(
            f"{call(r)} → no SQL statement went through the given engine: make no engine of "
            "your own, the grader counts statements through database.engine"
        )
    if len(sent) > 2:
        raise fail(
            f"{call(r)} with 8 customers → {len(sent)} SQL statements, at most 2 allowed "
            f"(N+1 queries?); the first ones: {[s[:80] for s in sent[:4]]}"
        )


@pytest.mark.rule("get-bound", "engine")
async def test_get_customer_sends_at_most_two_statements(
    client: SpecClient, new_customer: NewCustomer, statements: Statements
) -> None:
    """GET /customers/{id} sends at most 2 SQL statements, however many accounts there are."""
    ada = await new_customer("Ada", 1, 2, 3, 4, 5, 6)
    with statements() as sent:
        r = await client.get(f"/customers/{ada['id']}")
    expect_status(r, 200)
    if not sent:
        raise fail(f"{call(r)} → no SQL statement went through the given engine")
    if len(sent) > 2:
        raise fail(f"{call(r)} → {len(sent)} SQL statements, at most 2 allowed")


@pytest.mark.rule("not-found", "path-422")
async def test_unknown_ids_are_404_and_malformed_ones_422(
    client: SpecClient, new_customer: NewCustomer
) -> None:
    """GET /customers/{id}, /accounts/{id}: 404 for no such row (past 64 bits too), 422 for text."""
    ada = await new_customer("Ada", 10)
    account_id = ada["accounts"][0]["id"]
    for path in (
        f"/customers/{ada['id'] + 1}",
        f"/accounts/{account_id + 1}",
        "/customers/0",
        "/accounts/-1",
        *(f"/customers/{n}" for n in HUGE),
        *(f"/accounts/{n}" for n in HUGE),
    ):
        expect_status(await client.get(path), 404)
    for path in ("/customers/abc", "/accounts/1.5", "/accounts/ten"):
        expect_status(await client.get(path), 422)


@pytest.mark.rule("ignored-fields")
async def test_server_fields_in_a_body_are_ignored(
    client: SpecClient, new_customer: NewCustomer, expect_customer: Expect, expect_account: Expect
) -> None:
    """id, version, accounts and customer_id sent in a POST body are ignored, never applied."""
    ben = await new_customer("Ben")
    r = await client.post(
        "/customers",
        json={
            "name": "Ada",
            "id": 4000,
            "version": 41,
            "accounts": [{"id": 77, "customer_id": 4000, "balance_cents": 10**6}],
        },
    )
    ada = expect_customer(r, 201, {"name": "Ada", "version": 1, "accounts": []})
    assert ada["id"] != 4000, f'{call(r)} with "id": 4000 → the client chose the id'
    r = await client.post(
        f"/customers/{ada['id']}/accounts",
        json={"balance_cents": 10, "id": 9000, "customer_id": ben["id"]},
    )
    account = expect_account(r, 201, {"customer_id": ada["id"], "balance_cents": 10})
    assert account["id"] != 9000, f'{call(r)} with "id": 9000 → the client chose the id'
    r = await client.get(f"/customers/{ben['id']}")
    expect_customer(r, 200, {"accounts": []})


@pytest.mark.rule("session-per-request")
async def test_concurrent_requests_each_have_a_session(
    client: SpecClient, new_customer: NewCustomer, at_once: AtOnce, describe: Describe
) -> None:
    """Many requests at the same time are all answered, none with a 500 (a session each)."""
    ada = await new_customer("Ada", 100)
    responses = await at_once(
        *(client.post("/customers", json={"name": f"Twin {n}"}) for n in range(6)),
        *(client.get(f"/customers/{ada['id']}") for _ in range(4)),
        *(client.get("/customers") for _ in range(3)),
        *(
            client.post(f"/customers/{ada['id']}/accounts", json={"balance_cents": n})
            for n in range(4)
        ),
    )
    expected = [201] * 6 + [200] * 7 + [201] * 4
    got = [r.status_code for r in responses]
    if got != expected:
        raise fail(
            f"17 requests at the same time → statuses {describe(responses)}, expected {expected}"
        )
    ids = {r.json()["id"] for r in responses[:6]}
    assert len(ids) == 6, f"6 concurrent POST /customers → ids {sorted(ids)}, expected 6 different"
    r = await client.get(f"/customers/{ada['id']}")
    accounts = r.json().get("accounts", [])
    assert len(accounts) == 5, (
        f"{call(r)} → expected 5 accounts after 4 concurrent opens, got {accounts!r}"
    )


@pytest.mark.rule("not-found", "get-customer", "get-account", "open-account")
async def test_rows_at_the_largest_id_are_found(
    client: SpecClient, database: Any, expect_customer: Expect, expect_account: Expect
) -> None:
    """Rows whose id is 2⁶³ − 1 are found; an id between two rows, or past −2⁶⁴, is 404."""
    database.execute("INSERT INTO customers (id, name, version) VALUES (1000, 'Low', 1)")
    database.execute(f"INSERT INTO customers (id, name, version) VALUES ({MAX_INTEGER}, 'Max', 1)")
    database.execute(
        f"INSERT INTO accounts (id, customer_id, balance_cents) VALUES ({MAX_INTEGER}, 1000, 5)"
    )
    r = await client.get(f"/customers/{MAX_INTEGER}")
    expect_customer(r, 200, {"id": MAX_INTEGER, "name": "Max", "accounts": []})
    r = await client.get(f"/accounts/{MAX_INTEGER}")
    expect_account(r, 200, {"id": MAX_INTEGER, "customer_id": 1000, "balance_cents": 5})
    r = await client.get("/customers/1000")
    shown = expect_customer(r, 200, {"id": 1000, "name": "Low"})
    assert [a["id"] for a in shown["accounts"]] == [MAX_INTEGER], f"{call(r)} → {shown!r}"
    r = await client.post(f"/customers/{MAX_INTEGER}/accounts", json={"balance_cents": 7})
    expect_account(r, 201, {"customer_id": MAX_INTEGER, "balance_cents": 7})
    for path in ("/customers/999", "/customers/1001", "/accounts/999"):
        expect_status(await client.get(path), 404)
    for n in (-(2**64), -(2**63) - 1, -(2**63)):
        expect_status(await client.get(f"/customers/{n}"), 404)
        expect_status(await client.get(f"/accounts/{n}"), 404)
        expect_status(await client.post(f"/customers/{n}/accounts", json={"balance_cents": 1}), 404)
