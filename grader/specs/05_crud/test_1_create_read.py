"""Task 1: create, read and list products."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from grader.kit import SpecClient, call, expect_list, expect_object, expect_status, fail

pytestmark = pytest.mark.task(1)

Create = Callable[..., Awaitable[dict[str, Any]]]
CreatedAt = Callable[[dict[str, Any], str], datetime]

FIELDS = ("id", "sku", "name", "description", "price_cents", "created_at")
LAMP = {"sku": "LAMP-01", "name": "Desk lamp", "description": "Warm light", "price_cents": 2599}


def same_product(what: str, got: dict[str, Any], expected: dict[str, Any]) -> None:
    """Fail unless `got` has every field of `expected` with the same value."""
    for name, value in expected.items():
        if got.get(name) != value:
            raise fail(f'{what} → "{name}" should be {value!r}, got {got.get(name)!r}')


async def test_post_returns_201_and_the_product(client: SpecClient) -> None:
    """POST /products answers 201 with the whole product, including its new id."""
    r = await client.post("/products", json=LAMP)
    body = expect_object(r, 201, *FIELDS)
    same_product(call(r), body, LAMP)
    assert isinstance(body["id"], int), f'{call(r)} → "id" should be an integer, got {body["id"]!r}'


async def test_post_without_description_stores_null(client: SpecClient) -> None:
    """POST /products without "description" creates the product with "description": null."""
    r = await client.post("/products", json={"sku": "MUG-01", "name": "Mug", "price_cents": 0})
    body = expect_object(r, 201, *FIELDS)
    same_product(call(r), body, {"description": None, "price_cents": 0, "name": "Mug"})


async def test_created_at_is_an_iso_datetime(client: SpecClient, created_at: CreatedAt) -> None:
    """POST /products sets "created_at" to the current time, as an ISO 8601 datetime."""
    r = await client.post("/products", json=LAMP)
    moment = created_at(expect_object(r, 201, "created_at"), call(r))
    now = datetime.now(timezone.utc)
    assert abs(now - moment) < timedelta(days=1), (
        f'{call(r)} → "created_at" should be the time of creation, got {moment.isoformat()}'
    )


async def test_ids_are_assigned_by_the_server(create: Create) -> None:
    """POST /products gives every new product its own integer id."""
    ids = [(await create())["id"] for _ in range(3)]
    assert all(isinstance(i, int) for i in ids), f"POST /products → ids should be integers: {ids}"
    assert len(set(ids)) == 3, f"POST /products three times → ids should differ, got {ids}"


async def expect_rejected(client: SpecClient, cases: dict[str, dict[str, Any]]) -> None:
    """POST each body; every one must be a 422 and none may be stored."""
    for case, body in cases.items():
        r = await client.post("/products", json=body)
        assert r.status_code == 422, f"{call(r)} with {case} → expected 422, got {r.status_code}"
    r = await client.get("/products")
    listed = expect_list(r)
    assert listed == [], f"{call(r)} after rejected POSTs → expected [], got {len(listed)} products"


async def test_post_requires_sku_name_and_price(client: SpecClient) -> None:
    """POST /products answers 422 when "sku", "name" or "price_cents" is missing or null."""
    await expect_rejected(
        client,
        {
            'no "sku"': {"name": "Lamp", "price_cents": 100},
            'no "name"': {"sku": "LAMP-01", "price_cents": 100},
            'no "price_cents"': {"sku": "LAMP-01", "name": "Lamp"},
            '"name": null': {**LAMP, "name": None},
        },
    )


async def test_post_enforces_the_limits(client: SpecClient) -> None:
    """POST /products answers 422 for an empty or too long text, or a price that is not >= 0."""
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
        },
    )


async def test_get_returns_the_stored_product(client: SpecClient, create: Create) -> None:
    """GET /products/{id} returns the product that POST created, field for field."""
    created = await create(**LAMP)
    r = await client.get(f"/products/{created['id']}")
    same_product(call(r), expect_object(r, 200, *FIELDS), created)


async def test_get_missing_product_is_404(client: SpecClient, create: Create) -> None:
    """GET /products/{id} answers 404 for an id that does not exist."""
    created = await create()
    expect_status(await client.get(f"/products/{created['id'] + 1000}"), 404)


async def test_get_non_integer_id_is_422(client: SpecClient) -> None:
    """GET /products/{id} answers 422 when the id is not an integer."""
    expect_status(await client.get("/products/lamp"), 422)


async def test_list_returns_every_product_in_id_order(client: SpecClient, create: Create) -> None:
    """GET /products answers [] at first, then every created product, ordered by id."""
    r = await client.get("/products")
    assert expect_list(r) == [], f"{call(r)} on an empty database → expected [], got {r.text}"
    created = [await create() for _ in range(3)]
    r = await client.get("/products")
    listed = expect_list(r)
    assert len(listed) == 3, f"{call(r)} after 3 POSTs → expected 3 products, got {len(listed)}"
    for item, expected in zip(listed, sorted(created, key=lambda p: p["id"]), strict=True):
        if not isinstance(item, dict):
            raise fail(f"{call(r)} → expected an array of objects, got {item!r}")
        same_product(call(r), item, expected)
