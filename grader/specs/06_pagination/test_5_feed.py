"""Task 5: a keyset feed with opaque, signed cursors."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, expect_status, fail
from grader.loader import LoadedApp

pytestmark = pytest.mark.task(5)

FEED = "/products/feed"

Walk = Callable[..., Awaitable[list[dict[str, Any]]]]
Links = Callable[[httpx.Response], dict[str, str]]
SameOrder = Callable[[str, list[dict[str, Any]], list[dict[str, Any]]], None]
Connect = Callable[..., AbstractAsyncContextManager[SpecClient]]


def sorted_by(products: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """The README's order: the field, then id, both in the direction of the sort."""
    field = sort.removeprefix("-")
    return sorted(products, key=lambda p: (p[field], p["id"]), reverse=sort.startswith("-"))


def query_of(url: str) -> list[tuple[str, str]]:
    return sorted(httpx.URL(url).params.multi_items())


def cursor_of(r: httpx.Response) -> str:
    """The page's next_cursor, which must be a non-empty string."""
    body = expect_object(r, 200, "items", "next_cursor")
    cursor = body["next_cursor"]
    if not isinstance(cursor, str) or not cursor:
        raise fail(f'{call(r)} → "next_cursor" should be a string, got {cursor!r}')
    return cursor


def tampered(cursor: str, start: int) -> str:
    """`cursor` with one character changed at or after `start`, inside the encoded data.

    Letters stay letters of the same case and digits stay digits, and the character changed is
    never the last of a run (where base64 may keep bits it ignores), so any encoding changes.
    """
    for i in range(start, len(cursor) - 1):
        char, after = cursor[i], cursor[i + 1]
        if char.isascii() and char.isalnum() and after.isascii() and after.isalnum():
            if char.isdigit():
                new = "1" if char == "0" else "0"
            elif char.islower():
                new = "b" if char == "a" else "a"
            else:
                new = "B" if char == "A" else "A"
            return cursor[:i] + new + cursor[i + 1 :]
    return cursor[:start] + "!" + cursor[start + 1 :]


async def test_feed_first_page_has_a_cursor_and_links(
    client: SpecClient, catalog: list[dict[str, Any]], links: Links, same_order: SameOrder
) -> None:
    """GET /products/feed?limit=5 answers the first 5 by id, a next_cursor, and a next link."""
    r = await client.get(FEED, params={"limit": 5})
    body = expect_object(r, 200, "items", "next_cursor", "next")
    same_order(call(r), body["items"], catalog[:5])
    cursor = cursor_of(r)
    next_url = body["next"]
    if not isinstance(next_url, str) or not next_url.startswith(f"http://testserver{FEED}?"):
        raise fail(f'{call(r)} → "next" should be an absolute URL of {FEED}, got {next_url!r}')
    params = dict(httpx.URL(next_url).params.multi_items())
    if params.get("cursor") != cursor or params.get("limit") != "5":
        raise fail(f'{call(r)} → "next" should carry cursor=<next_cursor> and limit=5: {next_url}')
    header = links(r).get("next")
    if header is None or httpx.URL(header).path != FEED or query_of(header) != query_of(next_url):
        raise fail(f'{call(r)} → the Link header should have <{next_url}>; rel="next"')


async def test_feed_cursor_walk_on_ties_visits_every_product_once(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """Walking GET /products/feed?sort=price&limit=4 by cursor lists each product once, in order."""
    params: dict[str, Any] = {"sort": "price", "limit": 4}
    items: list[dict[str, Any]] = []
    for _ in range(12):
        r = await client.get(FEED, params=params)
        body = expect_object(r, 200, "items", "next_cursor")
        items.extend(body["items"])
        if body["next_cursor"] is None:
            break
        params["cursor"] = cursor_of(r)
    same_order(
        "walking GET /products/feed?sort=price&limit=4 by cursor",
        items,
        sorted_by(catalog, "price"),
    )


async def test_feed_last_page_has_no_cursor(
    client: SpecClient, catalog: list[dict[str, Any]], links: Links
) -> None:
    """GET /products/feed?limit=10: the third page (the last, exactly full) has no next_cursor."""
    params: dict[str, Any] = {"limit": 10}
    for _ in range(2):
        r = await client.get(FEED, params=params)
        params["cursor"] = cursor_of(r)
    r = await client.get(FEED, params=params)
    body = expect_object(r, 200, "items", "next_cursor", "next")
    if len(body["items"]) != 10:
        raise fail(f"{call(r)} → expected the last 10 products, got {len(body['items'])}")
    if body["next_cursor"] is not None or body["next"] is not None:
        raise fail(f'{call(r)} → "next_cursor" and "next" should be null on the last page')
    if "next" in links(r):
        raise fail(f'{call(r)} → the Link header should have no rel="next" on the last page')


async def test_feed_next_keeps_filter_and_sort(
    client: SpecClient, catalog: list[dict[str, Any]], walk: Walk, same_order: SameOrder
) -> None:
    """Following "next" from GET /products/feed?category=books&sort=-price&limit=4 keeps both."""
    wanted = sorted_by([p for p in catalog if p["category"] == "books"], "-price")
    items = await walk(FEED, category="books", sort="-price", limit=4)
    same_order(f"following next from GET {FEED}?category=books&sort=-price&limit=4", items, wanted)


async def test_feed_insert_mid_walk_repeats_nothing(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """Products added while walking GET /products/feed?sort=price make no row repeat or vanish."""
    params: dict[str, Any] = {"sort": "price", "limit": 5}
    r = await client.get(FEED, params=params)
    items: list[dict[str, Any]] = list(expect_object(r, 200, "items")["items"])
    params["cursor"] = cursor_of(r)
    for name, price in (("Cheapest", 0), ("Priciest", 999999)):
        new = {"name": name, "category": "misc", "price": price, "cost": 1}
        created = expect_object(await client.post("/products", json=new), 201, "id")
    for _ in range(12):
        r = await client.get(FEED, params=params)
        body = expect_object(r, 200, "items", "next_cursor")
        items.extend(body["items"])
        if body["next_cursor"] is None:
            break
        params["cursor"] = cursor_of(r)
    # The cheapest sorts before the cursor, so it is not seen; the priciest comes last.
    wanted = [*sorted_by(catalog, "price"), created]
    same_order("walking the feed by price while products were added", items, wanted)


async def test_feed_garbage_cursor_is_400(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products/feed?cursor=<garbage> answers 400, never 500."""
    for cursor in ("garbage", "!!!!", "eyJ", "a.b", "....", "é", "x" * 300, "%00"):
        expect_status(await client.get(FEED, params={"cursor": cursor}), 400)


async def test_feed_forged_cursor_is_400(client: SpecClient, catalog: list[dict[str, Any]]) -> None:
    """GET /products/feed answers 400 to base64 of JSON or bytes the server did not sign."""
    payloads = [
        b'{"id": 1}',
        b'{"sort": "price", "value": 0, "id": 0}',
        b'{"price": 0, "id": 0}',
        b"[1, 2]",
        b'"junk"',
        b"{}",
        b"null",
        b"\xff\xfe\x00junk",
    ]
    for payload in payloads:
        for cursor in (
            base64.urlsafe_b64encode(payload).decode().rstrip("="),
            base64.b64encode(payload).decode(),
        ):
            expect_status(await client.get(FEED, params={"cursor": cursor}), 400)


async def test_feed_tampered_cursor_is_400(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products/feed with a real cursor with one character changed answers 400."""
    params: dict[str, Any] = {"sort": "price", "limit": 5}
    cursor = cursor_of(await client.get(FEED, params=params))
    expect_status(await client.get(FEED, params={**params, "cursor": cursor}), 200)
    for start in (len(cursor) // 3, 2 * len(cursor) // 3):
        bad = tampered(cursor, start)
        expect_status(await client.get(FEED, params={**params, "cursor": bad}), 400)


async def test_feed_cursor_signed_with_another_secret_is_400(
    client: SpecClient,
    catalog: list[dict[str, Any]],
    load_app: Callable[..., LoadedApp],
    connect: Connect,
) -> None:
    """A cursor from a server with another CURSOR_SECRET answers 400: cursors are signed."""
    params: dict[str, Any] = {"sort": "price", "limit": 5}
    cursor = cursor_of(await client.get(FEED, params=params))
    other = load_app(CURSOR_SECRET="a-different-secret-9d27e4f1b3a5c7e9d0b2a4c6")
    async with connect(other.app) as other_client:
        expect_status(await other_client.get(FEED, params=params), 200)
        r = await other_client.get(FEED, params={**params, "cursor": cursor})
        if r.status_code != 400:
            raise fail(
                f"{call(r)} → expected 400 for a cursor signed with another CURSOR_SECRET, "
                f"got {r.status_code}"
            )


async def test_feed_cursor_for_another_sort_is_400(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """A cursor issued for sort=price answers 400 when sent with sort=name, -price or no sort."""
    cursor = cursor_of(await client.get(FEED, params={"sort": "price", "limit": 5}))
    others: list[dict[str, Any]] = [{"sort": "name"}, {"sort": "-price"}, {}]
    for params in others:
        expect_status(await client.get(FEED, params={**params, "cursor": cursor}), 400)


async def test_feed_checks_limit_and_sort(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products/feed answers 422 to limit 0, 101 or "ten", and to sort=cost."""
    bad: list[dict[str, Any]] = [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"sort": "cost"}]
    for params in bad:
        expect_status(await client.get(FEED, params=params), 422)
    expect_status(await client.get(FEED, params={"limit": 100}), 200)
