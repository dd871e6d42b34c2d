"""Fixtures for the pagination specs: a seeded catalog, walking pages, reading Link headers.

The stub gives `POST /products` and `POST /products/bulk` (marked "Don't change"), so specs
seed through HTTP. Only removals go straight to the database file (the README says so): the API
has no way to delete. The catalog has many equal prices, so a sort without a tie-breaker shows up
as rows repeated or skipped between pages.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, expect_object, fail

if TYPE_CHECKING:
    from grader.specs.conftest import World

#: The key the grader signs cursors with (the README's `CURSOR_SECRET`).
CURSOR_SECRET = "spec-cursor-secret-5b1f0c7e9a2d4c6b8f0e1a3c"

#: `await seed([{"name": ..., "category": ..., "price": ..., "cost": ...}, ...])`: POST
#: /products/bulk, expect 201; returns the created products, in the order sent.
Seed = Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]

#: `await walk("/products", sort="price", limit=4)`: GET that page, then follow each page's
#: `next` until it is null; returns every item of every page, in order.
Walk = Callable[..., Awaitable[list[dict[str, Any]]]]

#: `links(response)`: the response's `Link` header as {rel: url}; {} without one.
Links = Callable[[httpx.Response], dict[str, str]]

#: `same_order(what, got, expected)`: fail unless the two item lists hold the same ids in the
#: same order, saying which id repeats, is missing, is extra or is out of place.
SameOrder = Callable[[str, list[dict[str, Any]], list[dict[str, Any]]], None]

#: `remove(ids)`: delete those rows of the `products` table, straight from the database file.
Remove = Callable[[list[int]], None]

#: `expect_public(response, items)`: fail unless every item has exactly the public fields.
ExpectPublic = Callable[[httpx.Response, list[Any]], None]

#: The fields of a product in a list, and no other (the README's "exactly the public fields").
PUBLIC_FIELDS = {"id", "name", "category", "price"}

_WORDS = ["Quill", "Atlas", "Mosaic", "Lantern", "Zephyr", "Beacon", "Orbit", "Cobalt"]
_CATEGORIES = ["books", "games", "books", "tools", "games", "books"]
_PRICES = [1500, 500, 2500, 500, 1500, 1000, 500]
#: Most walks read pages this small, so that ties straddle page boundaries.
CATALOG_SIZE = 30


def catalog_rows() -> list[dict[str, Any]]:
    """30 products: 15 books, 10 games, 5 tools; only 4 distinct prices, so many ties."""
    return [
        {
            "name": f"{_WORDS[(i * 5) % len(_WORDS)]} {i:02d}",
            "category": _CATEGORIES[i % len(_CATEGORIES)],
            "price": _PRICES[i % len(_PRICES)],
            "cost": 9000 - 37 * i,
        }
        for i in range(CATALOG_SIZE)
    ]


@pytest.fixture
def app_env(world: World) -> dict[str, str]:
    return {"CURSOR_SECRET": CURSOR_SECRET}


@pytest.fixture
def seed(client: SpecClient) -> Seed:
    async def seed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        r = await client.post("/products/bulk", json=rows)
        created = expect_list(r, 201)
        if len(created) != len(rows) or not all(isinstance(p, dict) for p in created):
            raise fail(f"{call(r)} → expected {len(rows)} products back (main.py's seeding code)")
        return created

    return seed


@pytest.fixture
async def catalog(seed: Seed) -> list[dict[str, Any]]:
    """The 30 seeded products as the API returned them (with ids), in id order."""
    return sorted(await seed(catalog_rows()), key=lambda p: int(p["id"]))


@pytest.fixture
def walk(client: SpecClient) -> Walk:
    async def walk(path: str, **params: Any) -> list[dict[str, Any]]:
        r = await client.get(path, params=params)
        items: list[dict[str, Any]] = []
        for _ in range(CATALOG_SIZE + 10):
            body = expect_object(r, 200, "items", "next")
            if not isinstance(body["items"], list):
                raise fail(f'{call(r)} → "items" should be a list, got {body["items"]!r}')
            items.extend(body["items"])
            if body["next"] is None:
                return items
            if not isinstance(body["next"], str):
                raise fail(f'{call(r)} → "next" should be a URL or null, got {body["next"]!r}')
            r = await client.get(body["next"])
        raise fail(f"{call(r)} → still a next link after {CATALOG_SIZE + 10} pages")

    return walk


_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)")
_REL = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.IGNORECASE)


@pytest.fixture
def links() -> Links:
    def links(response: httpx.Response) -> dict[str, str]:
        found: dict[str, str] = {}
        for value in response.headers.get_list("link"):
            for match in _LINK.finditer(value):
                rel = _REL.search(match.group(2))
                if rel:
                    for name in (rel.group(1) or rel.group(2)).split():
                        found.setdefault(name.lower(), match.group(1))
        return found

    return links


@pytest.fixture
def same_order() -> SameOrder:
    def same_order(what: str, got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
        got_ids = [item.get("id") if isinstance(item, dict) else item for item in got]
        expected_ids = [item["id"] for item in expected]
        seen: set[Any] = set()
        for id in got_ids:
            if id in seen:
                raise fail(f"{what} → product id {id} appears twice")
            seen.add(id)
        missing = [id for id in expected_ids if id not in seen]
        if missing:
            raise fail(f"{what} → product ids {missing[:8]} are missing")
        extra = [id for id in got_ids if id not in set(expected_ids)]
        if extra:
            raise fail(f"{what} → product ids {extra[:8]} should not be there")
        for position, (id, wanted) in enumerate(zip(got_ids, expected_ids, strict=False)):
            if id != wanted:
                raise fail(f"{what} → item {position + 1} has id {id}, expected id {wanted}")

    return same_order


@pytest.fixture
def remove(world: World) -> Remove:
    database = Path(world.env["DATABASE_URL"].removeprefix("sqlite:///"))

    def remove(ids: list[int]) -> None:
        with closing(sqlite3.connect(database, timeout=30)) as connection, connection:
            connection.executemany("DELETE FROM products WHERE id = ?", [(id,) for id in ids])

    return remove


@pytest.fixture
def expect_public() -> ExpectPublic:
    def expect_public(response: httpx.Response, items: list[Any]) -> None:
        for item in items:
            if not isinstance(item, dict):
                raise fail(f"{call(response)} → each item should be a product object, got {item!r}")
            if set(item) != PUBLIC_FIELDS:
                extra = sorted(set(item) - PUBLIC_FIELDS)
                missing = sorted(PUBLIC_FIELDS - set(item))
                what = f"extra fields {extra}" if extra else f"missing fields {missing}"
                raise fail(
                    f"{call(response)} → an item should have exactly id, name, category and "
                    f"price; it has {what}"
                )

    return expect_public
