"""Task 3: filtering by category, price range and name, with a total of the filtered set."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, expect_status, fail

pytestmark = pytest.mark.task(3)

Seed = Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]
Walk = Callable[..., Awaitable[list[dict[str, Any]]]]
SameOrder = Callable[[str, list[dict[str, Any]], list[dict[str, Any]]], None]


def product(name: str, category: str = "misc", price: int = 700) -> dict[str, Any]:
    return {"name": name, "category": category, "price": price, "cost": 100}


async def expect_listed(
    client: SpecClient, same_order: SameOrder, params: dict[str, Any], wanted: list[dict[str, Any]]
) -> None:
    """GET /products with `params` and limit=100 lists exactly `wanted`, with that total."""
    r = await client.get("/products", params={**params, "limit": 100})
    body = expect_object(r, 200, "items", "total")
    same_order(call(r), body["items"], sorted(wanted, key=lambda p: int(p["id"])))
    if body["total"] != len(wanted):
        raise fail(f'{call(r)} → "total" should be {len(wanted)}, got {body["total"]!r}')


async def test_filter_by_category(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products?category=books lists only the 15 books."""
    books = [p for p in catalog if p["category"] == "books"]
    await expect_listed(client, same_order, {"category": "books"}, books)


async def test_total_counts_the_filtered_set(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products?category=games&limit=3 answers total 10: the filtered set, not the page."""
    r = await client.get("/products", params={"category": "games", "limit": 3})
    body = expect_object(r, 200, "items", "total")
    if body["total"] != 10:
        raise fail(
            f'{call(r)} → "total" should be 10 (the games), got {body["total"]!r} '
            "(30 would be the whole table, 3 the page)"
        )


async def test_price_range_is_inclusive(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products?min_price=1000&max_price=1500 includes both bounds; "cheap" is a 422."""
    wanted = [p for p in catalog if 1000 <= p["price"] <= 1500]
    await expect_listed(client, same_order, {"min_price": 1000, "max_price": 1500}, wanted)
    for bad in ({"min_price": "cheap"}, {"max_price": "1e3"}, {"min_price": -1}):
        expect_status(await client.get("/products", params=bad), 422)


async def test_q_matches_names_ignoring_case(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products?q=ATLAS lists the products whose name contains "atlas", any case."""
    wanted = [p for p in catalog if "atlas" in p["name"].lower()]
    await expect_listed(client, same_order, {"q": "ATLAS"}, wanted)
    wanted = [p for p in catalog if "tlas 1" in p["name"].lower()]
    await expect_listed(client, same_order, {"q": "tLaS 1"}, wanted)


async def test_links_keep_the_filters(
    client: SpecClient, catalog: list[dict[str, Any]], walk: Walk, same_order: SameOrder
) -> None:
    """Following "next" from GET /products?category=books&min_price=1000 keeps both filters."""
    r = await client.get("/products", params={"category": "books", "min_price": 1000, "limit": 2})
    body = expect_object(r, 200, "next")
    if not isinstance(body["next"], str):
        raise fail(f'{call(r)} → "next" should be a URL, got {body["next"]!r}')
    params = dict(httpx.URL(body["next"]).params.multi_items())
    if params.get("category") != "books" or params.get("min_price") != "1000":
        raise fail(f'{call(r)} → "next" drops the filters: {body["next"]}')
    wanted = [p for p in catalog if p["category"] == "books" and p["price"] >= 1000]
    items = await walk("/products", category="books", min_price=1000, limit=2)
    same_order("following next from GET /products?category=books&min_price=1000", items, wanted)


async def test_quotes_in_filters_are_data(
    client: SpecClient, seed: Seed, same_order: SameOrder
) -> None:
    """Filter values holding quotes or SQL match as plain text, run nothing, and drop no table."""
    rows = await seed(
        [product("Plain mug"), product("Baker's Dozen", "O'Reilly"), product("Tea", "books")]
    )
    baker = [rows[1]]
    await expect_listed(client, same_order, {"category": "O'Reilly"}, baker)
    await expect_listed(client, same_order, {"q": "'"}, baker)
    for attack in (
        "books' OR '1'='1",
        'books" OR "1"="1',
        "x'; DROP TABLE products; --",
    ):
        await expect_listed(client, same_order, {"category": attack}, [])
        await expect_listed(client, same_order, {"q": attack}, [])
    await expect_listed(client, same_order, {}, rows)


async def test_like_wildcards_in_q_are_plain_characters(
    client: SpecClient, seed: Seed, same_order: SameOrder
) -> None:
    """GET /products?q=% matches only names containing "%", and q=_ only names containing "_"."""
    rows = await seed(
        [product("100% cotton tee"), product("snake_case mug"), product("Plain plate")]
    )
    await expect_listed(client, same_order, {"q": "%"}, [rows[0]])
    await expect_listed(client, same_order, {"q": "_"}, [rows[1]])
    await expect_listed(client, same_order, {"q": "e_c"}, [rows[1]])
