"""Task 2: next and prev links, in the body and in an RFC 8288 Link header."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, fail

pytestmark = pytest.mark.task(2)

Walk = Callable[..., Awaitable[list[dict[str, Any]]]]
Links = Callable[[httpx.Response], dict[str, str]]
SameOrder = Callable[[str, list[dict[str, Any]], list[dict[str, Any]]], None]


def query(url: str) -> dict[str, str]:
    return dict(httpx.URL(url).params.multi_items())


def same_url(a: str, b: str) -> bool:
    """The same URL, whatever the order of its query parameters."""
    x, y = httpx.URL(a), httpx.URL(b)
    return (x.scheme, x.host, x.path, sorted(x.params.multi_items())) == (
        y.scheme,
        y.host,
        y.path,
        sorted(y.params.multi_items()),
    )


def expect_link(r: httpx.Response, links: Links, rel: str, body_url: str | None) -> None:
    """The Link header has `rel` exactly when the body has it, with the same URL."""
    header = links(r).get(rel)
    if body_url is None and header is not None:
        raise fail(f'{call(r)} → Link header has rel="{rel}" but "{rel}" is null')
    if body_url is not None and header is None:
        raise fail(f'{call(r)} → "{rel}" is set but the Link header has no rel="{rel}"')
    if body_url is not None and header is not None and not same_url(header, body_url):
        raise fail(f'{call(r)} → Link rel="{rel}" is <{header}> but "{rel}" is {body_url!r}')


@pytest.mark.rule("absolute-urls", "next-url", "prev-null", "link-header")
async def test_first_page_links_to_next_only(
    client: SpecClient, catalog: list[dict[str, Any]], links: Links
) -> None:
    """GET /products?limit=10 links to the next page (absolute, body and Link), not to prev."""
    r = await client.get("/products", params={"limit": 10})
    body = expect_object(r, 200, "next", "prev")
    if body["prev"] is not None:
        raise fail(f'{call(r)} → "prev" should be null on the first page, got {body["prev"]!r}')
    next_url = body["next"]
    if not isinstance(next_url, str) or not next_url.startswith("http://testserver/products?"):
        raise fail(f'{call(r)} → "next" should be an absolute URL of /products, got {next_url!r}')
    params = query(next_url)
    if params.get("limit") != "10" or params.get("offset") != "10":
        raise fail(f'{call(r)} → "next" should have limit=10 and offset=10: {next_url}')
    expect_link(r, links, "next", next_url)
    expect_link(r, links, "prev", None)
    r = await client.get("/products")
    body = expect_object(r, 200, "next")
    params = query(str(body["next"]))
    if params.get("limit") != "20" or params.get("offset") != "20":
        raise fail(f'{call(r)} → "next" should have limit=20 and offset=20: {body["next"]}')


@pytest.mark.rule("next-url")
async def test_following_next_visits_every_product_once(
    client: SpecClient,
    catalog: list[dict[str, Any]],
    walk: Walk,
    same_order: SameOrder,
) -> None:
    """Following "next" from GET /products?limit=7 lists all 30 products once, in id order."""
    items = await walk("/products", limit=7)
    same_order("following next from GET /products?limit=7", items, catalog)


@pytest.mark.rule("next-null", "link-header")
async def test_last_page_has_no_next(
    client: SpecClient, catalog: list[dict[str, Any]], links: Links
) -> None:
    """GET /products has no next link on the last page, full (offset=20) or short, nor past it."""
    r = await client.get("/products", params={"limit": 10, "offset": 40})
    body = expect_object(r, 200, "next")
    if body["next"] is not None:
        raise fail(f'{call(r)} → "next" should be null past the end, got {body["next"]!r}')
    # Six products left, fewer than the limit: 24 + 8 is past the end, though 24 | 8 is not.
    r = await client.get("/products", params={"limit": 8, "offset": 24})
    body = expect_object(r, 200, "next")
    if body["next"] is not None:
        raise fail(f'{call(r)} → "next" should be null on the last page, got {body["next"]!r}')
    r = await client.get("/products", params={"limit": 10, "offset": 20})
    body = expect_object(r, 200, "items", "next", "prev")
    if body["next"] is not None:
        raise fail(f'{call(r)} → "next" should be null on the last page, got {body["next"]!r}')
    expect_link(r, links, "next", None)
    if body["prev"] is None:
        raise fail(f'{call(r)} → "prev" should link to the page before, got null')
    expect_link(r, links, "prev", body["prev"])


@pytest.mark.rule("prev-url", "link-header")
async def test_prev_links_to_the_page_before(
    client: SpecClient, catalog: list[dict[str, Any]], links: Links, same_order: SameOrder
) -> None:
    """ "prev" from offset=20 leads to offset=10, from 3 or 1 to 0 (never below), from 40 to 30."""
    for offset, back in ((20, 10), (3, 0), (1, 0), (40, 30)):
        r = await client.get("/products", params={"limit": 10, "offset": offset})
        body = expect_object(r, 200, "prev")
        if not isinstance(body["prev"], str):
            raise fail(f'{call(r)} → "prev" should be a URL, got {body["prev"]!r}')
        expect_link(r, links, "prev", body["prev"])
        r = await client.get(body["prev"])
        page = expect_object(r, 200, "items")
        same_order(f"{call(r)} (the prev link)", page["items"], catalog[back : back + 10])


@pytest.mark.rule("next-url", "next-null")
async def test_next_until_the_last_row(
    client: SpecClient, catalog: list[dict[str, Any]], same_order: SameOrder
) -> None:
    """GET /products?limit=10&offset=19 links to offset=29 (one product left), which has no next."""
    r = await client.get("/products", params={"limit": 10, "offset": 19})
    body = expect_object(r, 200, "items", "next")
    if not isinstance(body["next"], str):
        raise fail(f'{call(r)} → "next" should be a URL (product 30 is left), got {body["next"]!r}')
    params = query(body["next"])
    if params.get("limit") != "10" or params.get("offset") != "29":
        raise fail(f'{call(r)} → "next" should have limit=10 and offset=29: {body["next"]}')
    r = await client.get(body["next"])
    last = expect_object(r, 200, "items", "next")
    same_order(f"{call(r)} (the next link)", last["items"], catalog[29:])
    if last["next"] is not None:
        raise fail(f'{call(r)} → "next" should be null on the last page, got {last["next"]!r}')


@pytest.mark.rule("other-params", "next-url", "prev-url")
async def test_links_keep_every_other_parameter_as_sent(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """ "next" and "prev" keep every other parameter as sent: unknown, repeated, with & or %."""
    sent: list[tuple[str, str | int | float | bool | None]] = [
        ("offset", "5"),
        ("limit", "5"),
        ("utm_source", "news letter"),
        ("tag", "a"),
        ("tag", "b&c"),
        ("note", "50% O'Neil"),
    ]
    r = await client.get("/products", params=sent)
    body = expect_object(r, 200, "next", "prev")
    kept = sorted(pair for pair in sent if pair[0] not in ("limit", "offset"))
    for rel, offset in (("next", "10"), ("prev", "0")):
        url = body[rel]
        if not isinstance(url, str):
            raise fail(f'{call(r)} → "{rel}" should be a URL, got {url!r}')
        params = httpx.URL(url).params.multi_items()
        others = sorted(pair for pair in params if pair[0] not in ("limit", "offset"))
        if others != kept:
            raise fail(f'{call(r)} → "{rel}" should keep {kept} as sent, but has {others}: {url}')
        if dict(params).get("offset") != offset:
            raise fail(f'{call(r)} → "{rel}" should have offset={offset}: {url}')


@pytest.mark.rule("no-link-header")
async def test_no_link_header_without_links(
    client: SpecClient, catalog: list[dict[str, Any]]
) -> None:
    """GET /products with every product on one page, or none matching, sends no Link header."""
    for params in ({"limit": 100}, {"category": "nothing-here"}):
        r = await client.get("/products", params=params)
        body = expect_object(r, 200, "next", "prev")
        if body["next"] is not None or body["prev"] is not None:
            raise fail(f'{call(r)} → "next" and "prev" should both be null')
        if "link" in r.headers:
            raise fail(f'{call(r)} → no Link header without links, got "{r.headers["link"]}"')
