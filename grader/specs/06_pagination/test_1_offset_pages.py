"""Task 1: offset pages with a total, and the limits on limit and offset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from grader.kit import SpecClient, call, expect_no_fields, expect_object, expect_status, fail

pytestmark = pytest.mark.task(1)

SameOrder = Callable[[str, list[dict[str, Any]], list[dict[str, Any]]], None]

PAGE_FIELDS = ("items", "total", "limit", "offset")


def expect_numbers(what: str, body: dict[str, Any], **wanted: int) -> None:
    for name, value in wanted.items():
        if body.get(name) != value:
            raise fail(f'{what} → "{name}" should be {value}, got {body.get(name)!r}')


async def test_default_page_is_the_first_20_by_id(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products without parameters answers the first 20 products by id, with total 30."""
    r = await client.get("/products")
    body = expect_object(r, 200, *PAGE_FIELDS)
    expect_numbers(call(r), body, total=30, limit=20, offset=0)
    same_order(call(r), body["items"], catalog[:20])


async def test_limit_and_offset_select_the_window(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products?limit=5&offset=10 answers products 11 to 15, with total, limit and offset."""
    r = await client.get("/products", params={"limit": 5, "offset": 10})
    body = expect_object(r, 200, *PAGE_FIELDS)
    expect_numbers(call(r), body, total=30, limit=5, offset=10)
    same_order(call(r), body["items"], catalog[10:15])


async def test_items_are_public_products(client: SpecClient, catalog: list[dict[str, Any]]) -> None:
    """GET /products lists id, name, category and price of each product, never its cost."""
    r = await client.get("/products", params={"limit": 3})
    body = expect_object(r, 200, "items")
    expect_no_fields(r, body, {"cost"})
    for item, product in zip(body["items"], catalog, strict=False):
        for name in ("id", "name", "category", "price"):
            if not isinstance(item, dict) or item.get(name) != product[name]:
                raise fail(f'{call(r)} → item should have "{name}": {product[name]!r}: {item!r}')


async def test_limit_must_be_between_1_and_100(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products accepts limit=1 and limit=100, and answers 422 to 0, -1, 101 and "ten"."""
    for limit, count in ((1, 1), (100, 30)):
        r = await client.get("/products", params={"limit": limit})
        body = expect_object(r, 200, "items")
        if len(body["items"]) != count:
            raise fail(f"{call(r)} → expected {count} items, got {len(body['items'])}")
    for bad in ("0", "-1", "101", "1000000", "ten", "2.5"):
        expect_status(await client.get("/products", params={"limit": bad}), 422)


async def test_offset_must_be_between_0_and_10000(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products accepts offset=0 and offset=10000, and answers 422 to -1, 10001 and "abc"."""
    for offset in (0, 10000):
        expect_status(await client.get("/products", params={"offset": offset}), 200)
    for bad in ("-1", "10001", "99999999999999999999", "abc", "1e3"):
        expect_status(await client.get("/products", params={"offset": bad}), 422)


async def test_offset_past_the_end_is_an_empty_page(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products?offset=40 answers 200 with no items and total 30."""
    r = await client.get("/products", params={"offset": 40, "limit": 10})
    body = expect_object(r, 200, *PAGE_FIELDS)
    if body["items"] != []:
        raise fail(f'{call(r)} → "items" should be empty, got {len(body["items"])} items')
    expect_numbers(call(r), body, total=30)
