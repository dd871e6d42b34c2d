"""Task 4: sorting by an allow-listed field, ascending or descending, with ties broken by id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, expect_status, fail

pytestmark = pytest.mark.task(4)

Walk = Callable[..., Awaitable[list[dict[str, Any]]]]
Seed = Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]
SameOrder = Callable[[str, list[dict[str, Any]], list[dict[str, Any]]], None]


def sorted_by(products: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """The README's order: the field, then id, both in the direction of the sort."""
    field = sort.removeprefix("-")
    return sorted(products, key=lambda p: (p[field], p["id"]), reverse=sort.startswith("-"))


@pytest.mark.rule("sort-price", "ties", "total-order", "links-keep-sort")
async def test_walking_pages_sorted_on_ties(
    client: SpecClient, catalog: list[dict[str, Any]], walk: Walk, same_order: SameOrder
) -> None:
    """GET /products?sort=price (and -price), 4 a page, lists each product once, ties by id."""
    for sort in ("price", "-price"):
        r = await client.get("/products", params={"sort": sort, "limit": 4})
        body = expect_object(r, 200, "next")
        if not isinstance(body["next"], str):
            raise fail(f'{call(r)} → "next" should be a URL, got {body["next"]!r}')
        if dict(httpx.URL(body["next"]).params.multi_items()).get("sort") != sort:
            raise fail(f'{call(r)} → "next" drops sort={sort}: {body["next"]}')
        items = await walk("/products", sort=sort, limit=4)
        direction = "descending" if sort.startswith("-") else "ascending"
        what = (
            f"following next from GET /products?sort={sort}&limit=4 (equal prices: id {direction})"
        )
        same_order(what, items, sorted_by(catalog, sort))


@pytest.mark.rule("sort-name", "sort-id", "sort-desc-id")
async def test_sort_by_name_both_ways(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products?sort=name lists products by name A to Z, and sort=-name Z to A."""
    for sort in ("name", "-name", "id", "-id"):
        r = await client.get("/products", params={"sort": sort, "limit": 100})
        body = expect_object(r, 200, "items")
        same_order(call(r), body["items"], sorted_by(catalog, sort))


@pytest.mark.rule("sort-422", "no-cost-sort")
async def test_sort_by_a_field_off_the_list_is_422(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products?sort=cost (a column clients may not see) or an unknown field answers 422."""
    for sort in (
        "cost",
        "-cost",
        "category",
        "stock",
        "__class__",
        "--price",
        "price-",
        "",
        "-",
        "PRICE",
        "Price",
        "price ",
        " price",
        "+price",
        "ID",
    ):
        expect_status(await client.get("/products", params={"sort": sort}), 422)


@pytest.mark.rule("sort-422")
async def test_sql_in_sort_is_422_and_runs_nothing(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products?sort=price;DROP TABLE products (and alike) answers 422; all rows remain."""
    for sort in (
        "price;DROP TABLE products",
        "price; DROP TABLE products; --",
        "price desc",
        "price,cost",
        "(SELECT cost)",
        "price'",
    ):
        expect_status(await client.get("/products", params={"sort": sort}), 422)
    r = await client.get("/products", params={"limit": 100})
    body = expect_object(r, 200, "items", "total")
    if body["total"] != 30 or len(body["items"]) != 30:
        raise fail(f"{call(r)} → expected all 30 products still there, got total {body['total']!r}")


#: Names with ties and with both cases: byte order puts "Zebra" before "apple".
NAMED = ["apple", "Zebra", "apple", "Äpfel", "zebra", "Apple", "apple", "Zebra", "mango", "apple"]


@pytest.mark.rule("sort-name", "ties", "byte-order")
async def test_walking_pages_sorted_by_name_on_ties(
    client: SpecClient, seed: Seed, walk: Walk, same_order: SameOrder
) -> None:
    """GET /products?sort=name (and -name), 3 a page, ties by id, names in byte order."""
    rows = await seed(
        [{"name": name, "category": "fruit", "price": 100, "cost": 1} for name in NAMED]
    )
    for sort in ("name", "-name"):
        items = await walk("/products", sort=sort, limit=3)
        direction = "descending" if sort.startswith("-") else "ascending"
        what = (
            f"following next from GET /products?sort={sort}&limit=3 (byte order, equal names: "
            f"id {direction})"
        )
        same_order(what, items, sorted_by(rows, sort))
