"""Task 2: paging and filters, written once as classes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, expect_status, fail

pytestmark = pytest.mark.task(2)

SeedBook = Callable[..., dict[str, Any]]
Same = Callable[[httpx.Response, Any, Any, str], None]

PAGE_FIELDS = ("items", "total", "offset", "limit")


async def page(client: SpecClient, **params: Any) -> tuple[httpx.Response, dict[str, Any]]:
    """GET /books with `params`, expecting 200 and a page."""
    response = await client.get("/books", params=params)
    body = expect_object(response, 200, *PAGE_FIELDS)
    if not isinstance(body["items"], list) or not all(
        isinstance(item, dict) and "id" in item for item in body["items"]
    ):
        raise fail(f'{call(response)} → "items" should be a list of books: {body["items"]!r:.160}')
    return response, body


def ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def expect_page(
    response: httpx.Response, body: dict[str, Any], books: list[int], total: int, same: Same
) -> None:
    same(response, ids(body), books, "the ids of the books listed")
    same(response, body["total"], total, '"total"')


@pytest.mark.rule("book-page", "offset", "limit")
async def test_default_page(client: SpecClient, seed_book: SeedBook, same: Same) -> None:
    """GET /books answers books 1 to 10 in id order, total 12, offset 0, limit 10."""
    response, body = await page(client)
    same(response, body["items"], [seed_book(n) for n in range(1, 11)], "the books listed")
    same(
        response,
        [body["total"], body["offset"], body["limit"]],
        [12, 0, 10],
        "total, offset, limit",
    )


@pytest.mark.rule("offset", "limit", "book-page")
async def test_offset_and_limit(client: SpecClient, same: Same) -> None:
    """offset and limit pick the page: offset=3&limit=2 is books 4 and 5; offset=10 is 11, 12."""
    response, body = await page(client, offset=3, limit=2)
    expect_page(response, body, [4, 5], 12, same)
    same(response, [body["offset"], body["limit"]], [3, 2], "offset and limit")
    response, body = await page(client, offset=10, limit=5)
    expect_page(response, body, [11, 12], 12, same)


@pytest.mark.rule("limit", "paging-422")
async def test_limit_bounds(client: SpecClient, same: Same) -> None:
    """limit=1 and limit=50 are allowed; limit=0, 51, -1, ten and 1.5 answer 422."""
    response, body = await page(client, limit=1)
    expect_page(response, body, [1], 12, same)
    response, body = await page(client, limit=50)
    expect_page(response, body, list(range(1, 13)), 12, same)
    for value in ("0", "51", "-1", "ten", "1.5"):
        expect_status(await client.get("/books", params={"limit": value}), 422)


@pytest.mark.rule("offset", "paging-422")
async def test_offset_bounds(client: SpecClient, same: Same) -> None:
    """offset=10000 is allowed (an empty page); offset=-1, 10001 and 2^64 answer 422."""
    response, body = await page(client, offset=10000)
    expect_page(response, body, [], 12, same)
    response, body = await page(client, offset=0, limit=1)
    expect_page(response, body, [1], 12, same)
    for value in ("-1", "10001", str(2**64)):
        expect_status(await client.get("/books", params={"offset": value}), 422)


@pytest.mark.rule("author-filter")
async def test_author_filter_is_exact(client: SpecClient, same: Same) -> None:
    """author=Ada Quill lists books 1, 3, 10; "ada quill" and "Ada" list none."""
    response, body = await page(client, author="Ada Quill")
    expect_page(response, body, [1, 3, 10], 3, same)
    for other in ("ada quill", "Ada", "Ada Quill "):
        response, body = await page(client, author=other)
        expect_page(response, body, [], 0, same)


@pytest.mark.rule("title-filter")
async def test_title_filter_ignores_case(client: SpecClient, same: Same) -> None:
    """q=python and q=PYTHON list books 1 and 12, whose titles contain it in any case."""
    for q in ("python", "PYTHON", "pYtHoN"):
        response, body = await page(client, q=q)
        expect_page(response, body, [1, 12], 2, same)


@pytest.mark.rule("title-filter")
async def test_title_filter_takes_wildcards_literally(client: SpecClient, same: Same) -> None:
    """q=% lists only "100% Test Coverage", q=_ and q=e_c only "snake_case Forever"."""
    for q, books in (("%", [6]), ("_", [7]), ("e_c", [7]), ("0%", [6]), ("%%", [])):
        response, body = await page(client, q=q)
        expect_page(response, body, books, len(books), same)


@pytest.mark.rule("author-filter", "title-filter", "paging-422")
async def test_filter_lengths(client: SpecClient, same: Same) -> None:
    """author and q take 1 to 100 characters: empty or 101 characters answer 422."""
    for name in ("author", "q"):
        for value in ("", "x" * 101):
            response = await client.get("/books", params={name: value})
            if response.status_code != 422:
                raise fail(
                    f"{call(response)} ({name} of {len(value)} characters) → expected 422, "
                    f"got {response.status_code}"
                )
        response, body = await page(client, **{name: "x" * 100})
        expect_page(response, body, [], 0, same)
        response, body = await page(client, **{name: "y"})
        if name == "q":
            expect_page(response, body, [1, 2, 3, 5, 9, 12], 6, same)


@pytest.mark.rule("filters-combine")
async def test_filters_combine(client: SpecClient, same: Same) -> None:
    """author and q together list only the books that match both."""
    response, body = await page(client, author="Ada Quill", q="types")
    expect_page(response, body, [3], 1, same)
    response, body = await page(client, author="Ben Okafor", q="python")
    expect_page(response, body, [12], 1, same)
    response, body = await page(client, author="Chen Liu", q="python")
    expect_page(response, body, [], 0, same)


@pytest.mark.rule("book-page", "filters-combine")
async def test_total_counts_every_match(client: SpecClient, same: Same) -> None:
    """total counts every matching book, not only the page: author=Ben Okafor&limit=1 → 3."""
    response, body = await page(client, author="Ben Okafor", limit=1)
    expect_page(response, body, [2], 3, same)
    response, body = await page(client, author="Ben Okafor", limit=1, offset=2)
    expect_page(response, body, [12], 3, same)
    response, body = await page(client, q="the", offset=1, limit=2)
    expect_page(response, body, [2, 4], 4, same)


@pytest.mark.rule("pagination-reused")
async def test_audit_pages_like_books(admin: SpecClient, same: Same) -> None:
    """GET /admin/audit takes offset and limit with the same defaults and limits as /books."""
    for value in range(12):
        expect_status(await admin.patch("/admin/books/1", json={"author": f"Ada {value}"}), 200)
    response = await admin.get("/admin/audit")
    body = expect_object(response, 200, *PAGE_FIELDS)
    same(response, [len(body["items"]), body["offset"], body["limit"]], [10, 0, 10], "the page")
    response = await admin.get("/admin/audit", params={"limit": 50, "offset": 0})
    body = expect_object(response, 200, *PAGE_FIELDS)
    same(response, len(body["items"]), body["total"], "the number of entries on a page of 50")
    response = await admin.get("/admin/audit", params={"limit": 1, "offset": 10000})
    body = expect_object(response, 200, *PAGE_FIELDS)
    same(response, body["items"], [], "the page at offset 10000")
    for name, bad in (("limit", "0"), ("limit", "51"), ("offset", "-1"), ("offset", "10001")):
        expect_status(await admin.get("/admin/audit", params={name: bad}), 422)
