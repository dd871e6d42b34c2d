"""Task 2: browse the catalogue with optional filters, a repeatable tag and a bounded limit."""

from __future__ import annotations

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, expect_object, fail

pytestmark = pytest.mark.task(2)


def book_ids(r: httpx.Response) -> list[object]:
    """The ids of the books in a 200 JSON array, in order."""
    ids = []
    for book in expect_list(r, 200):
        if not isinstance(book, dict) or "id" not in book:
            raise fail(f"{call(r)} → expected an array of books (objects with an id), got {book!r}")
        ids.append(book["id"])
    return ids


def expect_ids(r: httpx.Response, expected: list[int]) -> None:
    got = book_ids(r)
    assert got == expected, f"{call(r)} → expected the books with ids {expected}, got ids {got}"


async def test_first_five_by_default(client: SpecClient) -> None:
    """GET /books with no query parameters answers 200 with books 1-5 (limit defaults to 5)."""
    expect_ids(await client.get("/books"), [1, 2, 3, 4, 5])


async def test_limit_at_its_bounds(client: SpecClient) -> None:
    """GET /books accepts limit=1 (one book) and limit=20 (the whole catalogue, in id order)."""
    expect_ids(await client.get("/books", params={"limit": 1}), [1])
    expect_ids(await client.get("/books", params={"limit": 20}), list(range(1, 13)))


async def test_limit_out_of_bounds(client: SpecClient) -> None:
    """GET /books answers 422 for limit=0, limit=21 and limit=many."""
    for limit in ("0", "21", "many"):
        expect_object(await client.get("/books", params={"limit": limit}), 422, "detail")


async def test_one_tag(client: SpecClient) -> None:
    """GET /books?tag=award-winner returns only the books with that tag."""
    expect_ids(await client.get("/books", params={"tag": "award-winner"}), [2, 4, 6, 11])


async def test_repeated_tag(client: SpecClient) -> None:
    """GET /books?tag=cyberpunk&tag=whodunit returns the books with either tag, not just one."""
    r = await client.get("/books", params={"tag": ["cyberpunk", "whodunit"]})
    expect_ids(r, [5, 6, 9, 10])


async def test_search_title_or_author(client: SpecClient) -> None:
    """GET /books?q=… matches the title or the author, ignoring case."""
    expect_ids(await client.get("/books", params={"q": "GUIN"}), [1, 2])
    expect_ids(await client.get("/books", params={"q": "snow cr"}), [9])


async def test_search_length_bounds(client: SpecClient) -> None:
    """GET /books?q=… answers 200 for 2 and 40 characters, 422 for 1 and 41."""
    for q in ("ab", "x" * 40):
        expect_list(await client.get("/books", params={"q": q}), 200)
    for q in ("a", "x" * 41):
        expect_object(await client.get("/books", params={"q": q}), 422, "detail")
