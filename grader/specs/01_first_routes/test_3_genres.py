"""Task 3: books by genre, where the genre is an Enum path parameter."""

from __future__ import annotations

import pytest

from grader.kit import SpecClient, call, expect_list, expect_object, fail

pytestmark = pytest.mark.task(3)


async def test_books_in_genre(client: SpecClient) -> None:
    """GET /genres/sci-fi/books answers 200 with the sci-fi books, in id order."""
    r = await client.get("/genres/sci-fi/books")
    ids = []
    for book in expect_list(r, 200):
        if not isinstance(book, dict) or "id" not in book:
            raise fail(f"{call(r)} → expected an array of books (objects with an id), got {book!r}")
        ids.append(book["id"])
    assert ids == [2, 4, 6, 9, 12], (
        f"{call(r)} → expected the books with ids [2, 4, 6, 9, 12], got ids {ids}"
    )


async def test_genre_without_books(client: SpecClient) -> None:
    """GET /genres/romance/books answers 200 with an empty array: a valid genre, no books."""
    r = await client.get("/genres/romance/books")
    books = expect_list(r, 200)
    assert books == [], f"{call(r)} → expected an empty array, got {len(books)} item(s)"


async def test_unknown_genre(client: SpecClient) -> None:
    """GET /genres/{genre}/books answers 422 for a non-genre (poetry, FANTASY, sci_fi)."""
    for genre in ("poetry", "FANTASY", "sci_fi"):
        expect_object(await client.get(f"/genres/{genre}/books"), 422, "detail")
