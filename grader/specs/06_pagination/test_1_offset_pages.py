"""Task 1: offset pages with a total, and the limits on limit and offset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from grader.kit import (
    SpecClient,
    call,
    expect_list,
    expect_no_fields,
    expect_object,
    expect_status,
    fail,
)

pytestmark = pytest.mark.task(1)

SameOrder = Callable[[str, list[dict[str, Any]], list[dict[str, Any]]], None]
ExpectPublic = Callable[[httpx.Response, list[Any]], None]

PAGE_FIELDS = ("items", "total", "limit", "offset")


def expect_numbers(what: str, body: dict[str, Any], **wanted: int) -> None:
    for name, value in wanted.items():
        if body.get(name) != value:
            raise fail(f'{what} → "{name}" should be {value}, got {body.get(name)!r}')


@pytest.mark.rule("limit", "items", "total", "limit-applied", "offset-applied", "id-order")
async def test_default_page_is_the_first_20_by_id(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products without parameters answers the first 20 products by id, with total 30."""
    r = await client.get("/products")
    body = expect_object(r, 200, *PAGE_FIELDS)
    expect_numbers(call(r), body, total=30, limit=20, offset=0)
    same_order(call(r), body["items"], catalog[:20])


@pytest.mark.rule("items", "limit-applied", "offset-applied")
async def test_limit_and_offset_select_the_window(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products?limit=5&offset=10 answers products 11 to 15, with total, limit and offset."""
    r = await client.get("/products", params={"limit": 5, "offset": 10})
    body = expect_object(r, 200, *PAGE_FIELDS)
    expect_numbers(call(r), body, total=30, limit=5, offset=10)
    same_order(call(r), body["items"], catalog[10:15])


@pytest.mark.rule("public-fields", "no-cost")
async def test_items_are_public_products(
    client: SpecClient, catalog: list[dict[str, Any]], expect_public: ExpectPublic
) -> None:
    """GET /products lists exactly id, name, category and price of each product, never its cost."""
    r = await client.get("/products", params={"limit": 3})
    body = expect_object(r, 200, "items")
    expect_no_fields(r, body, {"cost"})
    expect_public(r, body["items"])
    for item, product in zip(body["items"], catalog, strict=False):
        for name in ("id", "name", "category", "price"):
            if not isinstance(item, dict) or item.get(name) != product[name]:
                raise fail(f'{call(r)} → item should have "{name}": {product[name]!r}: {item!r}')


@pytest.mark.rule("limit", "non-integers")
async def test_limit_must_be_between_1_and_100(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products accepts limit=1 and limit=100, and answers 422 to 0, -1, 101 and "ten"."""
    for limit, count in ((1, 1), (100, 30)):
        r = await client.get("/products", params={"limit": limit})
        body = expect_object(r, 200, "items")
        if len(body["items"]) != count:
            raise fail(f"{call(r)} → expected {count} items, got {len(body['items'])}")
    for bad in ("0", "-1", "101", "1000000", "99999999999999999999", "ten", "2.5", ""):
        expect_status(await client.get("/products", params={"limit": bad}), 422)


@pytest.mark.rule("offset", "non-integers")
async def test_offset_must_be_between_0_and_10000(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products accepts offset=0 and offset=10000, and answers 422 to -1, 10001 and "abc"."""
    for offset in (0, 10000):
        expect_status(await client.get("/products", params={"offset": offset}), 200)
    for bad in ("-1", "10001", "99999999999999999999", "abc", "1e3", "2.5", ""):
        expect_status(await client.get("/products", params={"offset": bad}), 422)


@pytest.mark.rule("past-the-end")
async def test_offset_past_the_end_is_an_empty_page(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products?offset=40 answers 200 with no items and total 30."""
    r = await client.get("/products", params={"offset": 40, "limit": 10})
    body = expect_object(r, 200, *PAGE_FIELDS)
    if body["items"] != []:
        raise fail(f'{call(r)} → "items" should be empty, got {len(body["items"])} items')
    expect_numbers(call(r), body, total=30)


@pytest.mark.rule("seed-endpoints", "no-cost")
async def test_seeding_keeps_ids_and_cost_server_side(client: SpecClient) -> None:
    """Seeding ignores a client's "id", and GET /products lists the products without their cost."""
    one = {"name": "Desk lamp", "category": "tools", "price": 4200, "cost": 2100, "id": 777}
    r = await client.post("/products", json=one)
    first = expect_object(r, 201, "id")
    expect_no_fields(r, first, {"cost"})
    if first["id"] == 777:
        raise fail(f'{call(r)} with "id": 777 → the product got the id the client chose')
    r = await client.post("/products/bulk", json=[{**one, "id": first["id"], "name": "Lamp 2"}])
    if r.status_code != 201:
        raise fail(
            f'{call(r)} with the "id" of an existing product → expected 201 (ids are the '
            f"server's), got {r.status_code}"
        )
    second = expect_list(r, 201)[0]
    r = await client.get("/products")
    body = expect_object(r, 200, "items", "total")
    expect_no_fields(r, body, {"cost"})
    listed = [item.get("id") for item in body["items"] if isinstance(item, dict)]
    if listed != [first["id"], second["id"]]:
        raise fail(f"{call(r)} → expected ids {[first['id'], second['id']]}, got {listed}")
