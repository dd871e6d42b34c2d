"""Task 1: create, read and list products."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_list, expect_status, fail

pytestmark = pytest.mark.task(1)

Create = Callable[..., Awaitable[dict[str, Any]]]
CreatedAt = Callable[[dict[str, Any], str], datetime]
ExpectProduct = Callable[..., dict[str, Any]]
Interleave = Callable[[], AbstractContextManager[None]]

LAMP = {"sku": "LAMP-01", "name": "Desk lamp", "description": "Warm light", "price_cents": 2599}
#: The largest integer SQLite stores, and the first one past it.
MAX_INTEGER = 2**63 - 1
HUGE = "99999999999999999999"


@pytest.mark.rule("post-201", "product-fields")
async def test_post_returns_201_and_the_product(
    client: SpecClient, expect_product: ExpectProduct
) -> None:
    """POST /products answers 201 with the whole product (exactly its public fields) and an id."""
    r = await client.post("/products", json=LAMP)
    body = expect_product(r, 201, LAMP)
    assert isinstance(body["id"], int), f'{call(r)} → "id" should be an integer, got {body["id"]!r}'


@pytest.mark.rule("description-field", "post-201")
async def test_post_without_description_stores_null(
    client: SpecClient, expect_product: ExpectProduct
) -> None:
    """POST /products without "description" (or with null) creates it with "description": null."""
    mug = {"sku": "MUG-01", "name": "Mug", "price_cents": 0}
    r = await client.post("/products", json=mug)
    created = expect_product(r, 201, {**mug, "description": None})
    r = await client.get(f"/products/{created['id']}")
    expect_product(r, 200, created)
    cup = {"sku": "CUP-01", "name": "Cup", "price_cents": 1, "description": None}
    expect_product(await client.post("/products", json=cup), 201, cup)


@pytest.mark.rule("created-at")
async def test_created_at_is_the_creation_time(client: SpecClient, created_at: CreatedAt) -> None:
    """POST /products sets "created_at" to the time of creation, an ISO 8601 date and time."""
    # The clock is read, not timed: the bounds hold however slow the machine is.
    before = datetime.now(timezone.utc)
    r = await client.post("/products", json=LAMP)
    after = datetime.now(timezone.utc)
    moment = created_at(expect_status(r, 201).json(), call(r))
    slack = timedelta(seconds=2)  # for an app that stores whole seconds
    if not before - slack <= moment <= after + slack:
        raise fail(
            f'{call(r)} → "created_at" should be the time of creation in UTC '
            f"({before.isoformat(timespec='seconds')}), got {moment.isoformat()}"
        )


@pytest.mark.rule("server-id")
async def test_ids_are_assigned_by_the_server(create: Create) -> None:
    """POST /products gives every new product its own integer id."""
    ids = [(await create())["id"] for _ in range(3)]
    assert all(isinstance(i, int) for i in ids), f"POST /products → ids should be integers: {ids}"
    assert len(set(ids)) == 3, f"POST /products three times → ids should differ, got {ids}"


async def expect_rejected(client: SpecClient, cases: dict[str, Any]) -> None:
    """POST each body; every one must be a 422 and none may be stored."""
    for case, body in cases.items():
        r = await client.post("/products", json=body)
        if r.status_code != 422:
            raise fail(
                f"{call(r)} with {case} → expected 422, got {r.status_code}: {body_excerpt(r)}"
            )
    r = await client.get("/products")
    listed = expect_list(r)
    assert listed == [], f"{call(r)} after rejected POSTs → expected [], got {len(listed)} products"


@pytest.mark.rule("post-422", "rejected-post")
async def test_post_requires_sku_name_and_price(client: SpecClient) -> None:
    """POST /products answers 422, storing nothing, for a missing or null sku, name or price."""
    cases: dict[str, Any] = {
        f'no "{name}"': {key: value for key, value in LAMP.items() if key != name}
        for name in ("sku", "name", "price_cents")
    }
    cases |= {f'"{name}": null': {**LAMP, name: None} for name in ("sku", "name", "price_cents")}
    cases |= {"an empty object": {}, "an array": [LAMP], "a string": "LAMP-01"}
    await expect_rejected(client, cases)


@pytest.mark.rule(
    "post-422", "rejected-post", "sku-field", "name-field", "description-field", "price-field"
)
async def test_post_enforces_the_limits(client: SpecClient) -> None:
    """POST /products answers 422, storing nothing, for a value just past a limit."""
    await expect_rejected(
        client,
        {
            "an empty name": {**LAMP, "name": ""},
            "a 101-character name": {**LAMP, "name": "x" * 101},
            "an empty sku": {**LAMP, "sku": ""},
            "a 33-character sku": {**LAMP, "sku": "X" * 33},
            "a 1001-character description": {**LAMP, "description": "x" * 1001},
            '"price_cents": -1': {**LAMP, "price_cents": -1},
            '"price_cents": 9.99': {**LAMP, "price_cents": 9.99},
            '"price_cents": "cheap"': {**LAMP, "price_cents": "cheap"},
            f'"price_cents": {MAX_INTEGER + 1}': {**LAMP, "price_cents": MAX_INTEGER + 1},
            '"price_cents": 10**30': {**LAMP, "price_cents": 10**30},
            '"name": 42': {**LAMP, "name": 42},
        },
    )


@pytest.mark.rule("sku-field", "name-field", "description-field", "price-field", "persist")
async def test_post_accepts_values_at_the_limits(
    client: SpecClient, expect_product: ExpectProduct
) -> None:
    """POST /products accepts every limit itself (32-character sku, price 0 and 2⁶³ − 1, …)."""
    bodies = [
        {"sku": "A", "name": "N", "description": "d" * 1000, "price_cents": 0},
        {"sku": "B" * 32, "name": "N" * 100, "description": "d", "price_cents": MAX_INTEGER},
    ]
    for body in bodies:
        created = expect_product(await client.post("/products", json=body), 201, body)
        r = await client.get(f"/products/{created['id']}")
        expect_product(r, 200, created)


@pytest.mark.rule("persist", "get-200")
async def test_get_returns_the_stored_product(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """GET /products/{id} returns exactly what POST returned, field for field."""
    await create()
    created = await create(**LAMP)
    r = await client.get(f"/products/{created['id']}")
    expect_product(r, 200, created)


@pytest.mark.rule("persist", "sql-data")
async def test_quotes_and_sql_are_plain_data(
    client: SpecClient, expect_product: ExpectProduct
) -> None:
    """POST /products stores quotes, SQL and % as plain text, and GET returns them unchanged."""
    bodies = [
        {"sku": "x'; DROP TABLE products;--", "name": "Robert'); DROP TABLE products;--",
         "description": 'He said "100%" \\ _ sure', "price_cents": 1},
        {"sku": "O'Brien-1", "name": "1' OR '1'='1", "description": "%_%", "price_cents": 2},
    ]  # fmt: skip
    created = [expect_product(await client.post("/products", json=b), 201, b) for b in bodies]
    for product in created:
        expect_product(await client.get(f"/products/{product['id']}"), 200, product)
    r = await client.get("/products")
    listed = expect_list(r)
    assert listed == created, f"{call(r)} → expected the two products as POST returned them"


@pytest.mark.rule("get-404")
async def test_get_missing_product_is_404(client: SpecClient, create: Create) -> None:
    """GET /products/{id} answers 404 for an id no product has: 0, -1, past 64 bits too."""
    created = await create()
    for product_id in (created["id"] + 1000, 0, -1, MAX_INTEGER, MAX_INTEGER + 1, HUGE, f"-{HUGE}"):
        r = await client.get(f"/products/{product_id}")
        if r.status_code != 404:
            raise fail(f"{call(r)} → expected 404, got {r.status_code}: {body_excerpt(r)}")


@pytest.mark.rule("get-422")
async def test_get_non_integer_id_is_422(client: SpecClient) -> None:
    """GET /products/{id} answers 422 when the id is not an integer ("lamp", "1.5", "1 OR 1=1")."""
    for product_id in ("lamp", "1.5", "1 OR 1=1"):
        expect_status(await client.get(f"/products/{product_id}"), 422)


@pytest.mark.rule("list-order")
async def test_list_returns_every_product_in_id_order(client: SpecClient, create: Create) -> None:
    """GET /products answers [] at first, then every product as created, ordered by id."""
    r = await client.get("/products")
    assert expect_list(r) == [], f"{call(r)} on an empty database → expected [], got {r.text}"
    # Names, SKUs and prices all run backwards, so only the id gives the expected order.
    created = [
        await create(sku=f"Z-{9 - n}", name=f"Zed {9 - n}", price_cents=900 - n) for n in range(4)
    ]
    r = await client.get("/products")
    listed = expect_list(r)
    expected = sorted(created, key=lambda product: product["id"])
    got_ids = [item.get("id") if isinstance(item, dict) else item for item in listed]
    if got_ids != [product["id"] for product in expected]:
        raise fail(f"{call(r)} → expected ids {[p['id'] for p in expected]}, got {got_ids}")
    assert listed == expected, f"{call(r)} → expected every product as POST returned it"


#: Requests sent at once in a race, and rounds of it.
RACERS = 8
ROUNDS = 1


@pytest.mark.rule("concurrent-creates", "server-id")
async def test_concurrent_creates_are_all_stored(
    client: SpecClient, interleave: Interleave
) -> None:
    """POST /products many times at once: every product is created, with its own id, and listed."""
    bodies = [
        {"sku": f"RUSH-{n:02d}", "name": f"Rush {n}", "price_cents": n}
        for n in range(RACERS * ROUNDS)
    ]
    responses = []
    with interleave():
        for start in range(0, len(bodies), RACERS):
            batch = bodies[start : start + RACERS]
            responses += await asyncio.gather(*(client.post("/products", json=b) for b in batch))
    for r in responses:
        if r.status_code != 201:
            raise fail(
                f"{call(r)} with {RACERS} POSTs at once → expected 201, got {r.status_code}: "
                f"{body_excerpt(r)}"
            )
    ids = [r.json().get("id") for r in responses]
    assert len(set(ids)) == len(ids), f"POST /products at once → ids should differ, got {ids}"
    r = await client.get("/products")
    listed = sorted((item.get("sku") for item in expect_list(r) if isinstance(item, dict)), key=str)
    wanted = sorted((body["sku"] for body in bodies), key=str)
    assert listed == wanted, f"{call(r)} → expected all {len(wanted)} products, got SKUs {listed}"
