"""Task 5: a keyset feed with opaque, signed cursors."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_no_fields, expect_object, expect_status, fail
from grader.loader import LoadedApp

pytestmark = pytest.mark.task(5)

FEED = "/products/feed"

Walk = Callable[..., Awaitable[list[dict[str, Any]]]]
Links = Callable[[httpx.Response], dict[str, str]]
SameOrder = Callable[[str, list[dict[str, Any]], list[dict[str, Any]]], None]
Connect = Callable[..., AbstractAsyncContextManager[SpecClient]]
Seed = Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]
Remove = Callable[[list[int]], None]
ExpectPublic = Callable[[httpx.Response, list[Any]], None]

#: The base64url alphabet, in order: flipping a character's top bit changes the data it holds,
#: wherever it stands (a last character may have spare low bits, never a spare top bit).
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


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


def flipped(cursor: str, index: int) -> str:
    """`cursor` with the character at `index` changed so that whatever it encodes changes."""
    char = cursor[index]
    new = B64URL[B64URL.index(char) ^ 32] if char in B64URL else ("A" if char != "A" else "B")
    return cursor[:index] + new + cursor[index + 1 :]


def decoded_parts(cursor: str) -> list[bytes]:
    """Whatever the dot-separated parts of `cursor` decode to as base64, where they do."""
    parts = []
    for part in cursor.split("."):
        try:
            parts.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        except ValueError:
            parts.append(part.encode())
    return parts


async def walk_by_cursor(
    client: SpecClient, params: dict[str, Any], pages: int = 40
) -> list[dict[str, Any]]:
    """Every item of the feed from `params` on, following next_cursor."""
    params = dict(params)
    items: list[dict[str, Any]] = []
    for _ in range(pages):
        r = await client.get(FEED, params=params)
        body = expect_object(r, 200, "items", "next_cursor")
        items.extend(body["items"])
        if body["next_cursor"] is None:
            return items
        params["cursor"] = cursor_of(r)
    raise fail(f"{call(r)} → still a next_cursor after {pages} pages")


@pytest.mark.rule("feed-items", "feed-next", "feed-link", "feed-cursor")
async def test_feed_first_page_has_a_cursor_and_links(
    client: SpecClient, catalog: list[dict[str, Any]], links: Links, same_order: SameOrder
) -> None:
    """GET /products/feed?limit=5 answers the first 5 by id, a next_cursor and a next link."""
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
    r = await client.get(FEED)
    body = expect_object(r, 200, "next", "next_cursor")
    if not isinstance(body["next"], str):
        raise fail(f'{call(r)} → "next" should be a URL, got {body["next"]!r}')
    params = dict(httpx.URL(body["next"]).params.multi_items())
    if params.get("limit") != "20" or params.get("cursor") != body["next_cursor"]:
        raise fail(f'{call(r)} → "next" should have limit=20 and the cursor: {body["next"]}')


@pytest.mark.rule("feed-items", "feed-cursor", "ties")
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


@pytest.mark.rule("feed-last-page", "feed-link")
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


@pytest.mark.rule("feed-next", "feed-filters", "feed-sort")
async def test_feed_next_keeps_filter_and_sort(
    client: SpecClient, catalog: list[dict[str, Any]], walk: Walk, same_order: SameOrder
) -> None:
    """Following "next" from GET /products/feed?category=books&sort=-price&limit=4 keeps both."""
    wanted = sorted_by([p for p in catalog if p["category"] == "books"], "-price")
    items = await walk(FEED, category="books", sort="-price", limit=4)
    same_order(f"following next from GET {FEED}?category=books&sort=-price&limit=4", items, wanted)


@pytest.mark.rule("keyset")
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


@pytest.mark.rule("tamper-proof", "cursor-400")
async def test_feed_forged_cursor_is_400(client: SpecClient, catalog: list[dict[str, Any]]) -> None:
    """GET /products/feed answers 400 to garbage, an empty cursor and base64 of unsigned JSON."""
    for cursor in ("garbage", "!!!!", "eyJ", "a.b", "....", "é", "x" * 300, "%00", "\x00", ""):
        expect_status(await client.get(FEED, params={"cursor": cursor}), 400)
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


@pytest.mark.rule("tamper-proof", "cursor-400")
async def test_feed_tampered_cursor_is_400(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products/feed answers 400 to a real cursor with any one character changed."""
    params: dict[str, Any] = {"sort": "price", "limit": 5}
    cursor = cursor_of(await client.get(FEED, params=params))
    expect_status(await client.get(FEED, params={**params, "cursor": cursor}), 200)
    for start in (len(cursor) // 3, 2 * len(cursor) // 3):
        bad = tampered(cursor, start)
        expect_status(await client.get(FEED, params={**params, "cursor": bad}), 400)
    for index in range(len(cursor)):
        r = await client.get(FEED, params={**params, "cursor": flipped(cursor, index)})
        if r.status_code != 400:
            raise fail(
                f"{call(r)} → expected 400 for the real cursor with character {index + 1} of "
                f"{len(cursor)} changed, got {r.status_code}"
            )


@pytest.mark.rule("tamper-proof", "cursor-400")
async def test_feed_cut_or_extended_cursor_is_400(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products/feed answers 400 to a real cursor cut short, extended or spliced."""
    params: dict[str, Any] = {"sort": "price", "limit": 5}
    r = await client.get(FEED, params=params)
    first = cursor_of(r)
    second = cursor_of(await client.get(FEED, params={**params, "cursor": first}))
    near_misses = {
        "without its last character": first[:-1],
        "without its last four characters": first[:-4],
        "without its first character": first[1:],
        "followed by one more character": first + "A",
        "followed by four more characters": first + "AAAA",
        "written twice": first + first,
        "cut in half": first[: len(first) // 2],
    }
    if first.count(".") == 1 and second.count(".") == 1:
        near_misses["spliced from two real cursors"] = (
            first.split(".")[0] + "." + second.split(".")[1]
        )
    for what, cursor in near_misses.items():
        if cursor in (first, second):
            continue
        r = await client.get(FEED, params={**params, "cursor": cursor})
        if r.status_code != 400:
            raise fail(f"{call(r)} → expected 400 for a real cursor {what}, got {r.status_code}")


@pytest.mark.rule("tamper-proof", "cursor-secret")
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


@pytest.mark.rule("cursor-sort")
async def test_feed_cursor_for_another_sort_is_400(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """A cursor is refused (400) with another sort; no sort and sort=id are the same sort."""
    cursor = cursor_of(await client.get(FEED, params={"sort": "price", "limit": 5}))
    others: list[dict[str, Any]] = [{"sort": "name"}, {"sort": "-price"}, {}]
    for params in others:
        expect_status(await client.get(FEED, params={**params, "cursor": cursor}), 400)
    # And the other way round: cursors of other sorts sent with sort=price or sort=name.
    descending = cursor_of(await client.get(FEED, params={"sort": "-price", "limit": 5}))
    expect_status(await client.get(FEED, params={"sort": "price", "cursor": descending}), 400)
    implicit = cursor_of(await client.get(FEED, params={"limit": 5}))
    expect_status(await client.get(FEED, params={"sort": "name", "cursor": implicit}), 400)
    r = await client.get(FEED, params={"sort": "id", "limit": 5, "cursor": implicit})
    if r.status_code != 200:
        raise fail(
            f"{call(r)} with a cursor issued without sort → expected 200, got {r.status_code}"
        )
    explicit = cursor_of(await client.get(FEED, params={"sort": "id", "limit": 5}))
    r = await client.get(FEED, params={"limit": 5, "cursor": explicit})
    if r.status_code != 200:
        raise fail(
            f"{call(r)} with a cursor issued for sort=id → expected 200, got {r.status_code}"
        )


@pytest.mark.rule("feed-limit", "feed-sort", "feed-filters")
async def test_feed_checks_limit_sort_and_filters(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products/feed takes limit 1 to 100, and answers 422 to bad limits, sorts and filters."""
    for limit, count in ((1, 1), (100, 30)):
        r = await client.get(FEED, params={"limit": limit})
        if len(expect_object(r, 200, "items")["items"]) != count:
            raise fail(f"{call(r)} → expected {count} items")
    bad: list[dict[str, Any]] = [
        {"limit": 0},
        {"limit": -1},
        {"limit": 101},
        {"limit": "99999999999999999999"},
        {"limit": "ten"},
        {"limit": "2.5"},
        {"sort": "cost"},
        {"sort": "-cost"},
        {"sort": "category"},
        {"sort": "price desc"},
        {"sort": ""},
        {"category": "x" * 51},
        {"q": "x" * 101},
        {"min_price": -1},
        {"max_price": -1},
        {"min_price": 2**63},
        {"max_price": "cheap"},
    ]
    for params in bad:
        r = await client.get(FEED, params=params)
        if r.status_code != 422:
            raise fail(f"{call(r)} → expected 422, got {r.status_code}")


@pytest.mark.rule("public-fields", "no-cost")
async def test_feed_items_are_public_products(
    client: SpecClient, catalog: list[dict[str, Any]], expect_public: ExpectPublic
) -> None:
    """Every page of GET /products/feed lists only public fields; no cursor carries the cost."""
    params: dict[str, Any] = {"sort": "price", "limit": 7}
    for _ in range(6):
        r = await client.get(FEED, params=params)
        body = expect_object(r, 200, "items", "next_cursor")
        expect_no_fields(r, body, {"cost"})
        expect_public(r, body["items"])
        if body["next_cursor"] is None:
            return
        cursor = cursor_of(r)
        if any(b"cost" in part for part in decoded_parts(cursor)):
            raise fail(
                f'{call(r)} → the cursor carries the product\'s "cost" (base64 hides nothing)'
            )
        params["cursor"] = cursor


@pytest.mark.rule("keyset", "feed-sort", "ties")
async def test_feed_walks_every_sort_on_ties(
    client: SpecClient, seed: Seed, same_order: SameOrder
) -> None:
    """Walking the feed by cursor lists each product once in the order of every sort, on ties."""
    names = ["apple", "Zebra", "apple", "mango", "Zebra", "apple", "kiwi", "apple", "mango"]
    prices = [300, 100, 300, 200, 100, 300, 300, 100, 200]
    rows = await seed(
        [
            {"name": name, "category": "fruit", "price": price, "cost": 5}
            for name, price in zip(names * 2, prices * 2, strict=True)
        ]
    )
    for sort in ("-price", "name", "-name", "-id"):
        items = await walk_by_cursor(client, {"sort": sort, "limit": 3})
        what = f"walking GET {FEED}?sort={sort}&limit=3 by cursor"
        same_order(what, items, sorted_by(rows, sort))


@pytest.mark.rule("feed-filters", "keyset")
async def test_feed_takes_the_filters(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """Walking the feed with category, min_price, max_price and q lists what matches all four."""
    filters = {"category": "books", "min_price": 1000, "max_price": 2500, "q": "a"}
    wanted = [
        p
        for p in catalog
        if p["category"] == "books" and 1000 <= p["price"] <= 2500 and "a" in p["name"].lower()
    ]
    items = await walk_by_cursor(client, {**filters, "sort": "price", "limit": 2})
    same_order(f"walking GET {FEED} with all four filters", items, sorted_by(wanted, "price"))


@pytest.mark.rule("cursor-removed", "removed-products", "keyset")
async def test_feed_survives_removed_products(
    client: SpecClient, catalog: list[dict[str, Any]], remove: Remove, same_order: SameOrder
) -> None:
    """Products removed mid-walk, the cursor's own included, make no product repeat or vanish."""
    params: dict[str, Any] = {"sort": "price", "limit": 5}
    r = await client.get(FEED, params=params)
    page = expect_object(r, 200, "items")["items"]
    params["cursor"] = cursor_of(r)
    order = sorted_by(catalog, "price")
    seen = [item["id"] for item in page]
    # The last product of the page (the cursor's position), and two that were not reached yet.
    gone = {seen[-1], order[12]["id"], order[20]["id"]}
    remove(sorted(gone))
    rest = await walk_by_cursor(client, params)
    wanted = [p for p in order[len(page) :] if p["id"] not in gone]
    same_order(f"walking {FEED}?sort=price after products were removed", rest, wanted)
