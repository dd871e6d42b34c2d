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


@pytest.mark.rule("category")
async def test_filter_by_category(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products?category=books lists only the 15 books; BOOKS, book or b% none."""
    books = [p for p in catalog if p["category"] == "books"]
    await expect_listed(client, same_order, {"category": "books"}, books)
    for near in ("BOOKS", "Books", "book", "ooks", "b%", "book_"):
        await expect_listed(client, same_order, {"category": near}, [])


@pytest.mark.rule("total")
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


@pytest.mark.rule("min-price", "max-price", "all-filters", "min-above-max")
async def test_price_range_is_inclusive(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products?min_price=1000&max_price=1500 includes both bounds, and each alone too."""
    wanted = [p for p in catalog if 1000 <= p["price"] <= 1500]
    await expect_listed(client, same_order, {"min_price": 1000, "max_price": 1500}, wanted)
    at_most = [p for p in catalog if p["price"] <= 1000]
    await expect_listed(client, same_order, {"max_price": 1000}, at_most)
    at_least = [p for p in catalog if p["price"] >= 1500]
    await expect_listed(client, same_order, {"min_price": 1500}, at_least)
    await expect_listed(client, same_order, {"min_price": 1501, "max_price": 1500}, [])


@pytest.mark.rule("min-price", "max-price")
async def test_price_bounds_from_0_to_the_largest_integer(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """min_price and max_price accept 0 and 2^63-1, and answer 422 to -1, 2^63, "cheap", 1e3."""
    largest = 2**63 - 1
    await expect_listed(client, same_order, {"min_price": 0, "max_price": largest}, catalog)
    await expect_listed(client, same_order, {"min_price": largest}, [])
    await expect_listed(client, same_order, {"max_price": 0}, [])
    for name in ("min_price", "max_price"):
        for bad in ("-1", str(largest + 1), "99999999999999999999999", "cheap", "1e3", "2.5", ""):
            r = await client.get("/products", params={name: bad})
            if r.status_code != 422:
                raise fail(f"{call(r)} → expected 422, got {r.status_code}")


@pytest.mark.rule("q")
async def test_q_matches_names_ignoring_case(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products?q=ATLAS lists the products whose name contains "atlas", any case."""
    wanted = [p for p in catalog if "atlas" in p["name"].lower()]
    await expect_listed(client, same_order, {"q": "ATLAS"}, wanted)
    wanted = [p for p in catalog if "tlas 1" in p["name"].lower()]
    await expect_listed(client, same_order, {"q": "tLaS 1"}, wanted)


@pytest.mark.rule("links-keep-filters", "all-filters", "total")
async def test_links_keep_the_filters(
    client: SpecClient, catalog: list[dict[str, Any]], walk: Walk, same_order: SameOrder
) -> None:
    """With all four filters, total counts the products matching all, and the links keep them."""
    filters: dict[str, Any] = {"category": "books", "min_price": 1000, "max_price": 2500, "q": "a"}
    r = await client.get("/products", params={**filters, "limit": 2})
    body = expect_object(r, 200, "next", "total")
    if not isinstance(body["next"], str):
        raise fail(f'{call(r)} → "next" should be a URL, got {body["next"]!r}')
    params = dict(httpx.URL(body["next"]).params.multi_items())
    if any(params.get(name) != str(value) for name, value in filters.items()):
        raise fail(f'{call(r)} → "next" drops the filters: {body["next"]}')
    wanted = [
        p
        for p in catalog
        if p["category"] == "books" and 1000 <= p["price"] <= 2500 and "a" in p["name"].lower()
    ]
    if body["total"] != len(wanted):
        raise fail(f'{call(r)} → "total" should be {len(wanted)}, got {body["total"]!r}')
    items = await walk("/products", **filters, limit=2)
    same_order("following next from GET /products with all four filters", items, wanted)
    r = await client.get("/products", params={**filters, "limit": 2, "offset": 2})
    prev = expect_object(r, 200, "prev")["prev"]
    params = dict(httpx.URL(str(prev)).params.multi_items())
    if any(params.get(name) != str(value) for name, value in filters.items()):
        raise fail(f'{call(r)} → "prev" drops the filters: {prev}')


@pytest.mark.rule("filters-are-data")
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


@pytest.mark.rule("q-wildcards")
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


@pytest.mark.rule("q-text")
async def test_q_is_text_never_a_pattern(
    client: SpecClient, seed: Seed, same_order: SameOrder
) -> None:
    """q with \\, /, ., *, (, [, ^ or $ matches only the names that contain that text."""
    names = [
        "back\\slash",
        "50/50 blend",
        "v1.2 kit",
        "star*gazer",
        "(round) tin",
        "[square] box",
        "caret^top",
        "cash$box",
        "plain name",
    ]
    rows = await seed([product(name) for name in names])
    for text in ("\\", "/", ".", "*", "(", "[", "^", "$", ".*", "\\s", "[a-z]", "a|b"):
        wanted = [row for row in rows if text in row["name"]]
        await expect_listed(client, same_order, {"q": text}, wanted)


@pytest.mark.rule("category", "q")
async def test_filter_lengths_at_the_edges(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """category accepts 50 characters and q 100; one more is a 422."""
    for name, longest in (("category", 50), ("q", 100)):
        r = await client.get("/products", params={name: "x" * longest})
        expect_status(r, 200)
        r = await client.get("/products", params={name: "x" * (longest + 1)})
        if r.status_code != 422:
            raise fail(
                f"{call(r)} with {longest + 1} characters → expected 422, got {r.status_code}"
            )
