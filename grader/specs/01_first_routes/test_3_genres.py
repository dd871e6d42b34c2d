"""Task 3: books by genre, where the genre is an Enum path parameter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_object, fail

pytestmark = pytest.mark.task(3)

ExpectBooks = Callable[..., list[Any]]


@pytest.mark.rule("genre-books", "id-order", "book-shape")
async def test_books_in_genre(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /genres/sci-fi/books answers 200 with all the sci-fi books, whole, in id order."""
    expect_books(await client.get("/genres/sci-fi/books"), [2, 4, 6, 9, 12])


@pytest.mark.rule("genre-books", "genre-values")
async def test_every_genre(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /genres/{genre}/books answers 200 for fantasy and mystery, with their books only."""
    expect_books(await client.get("/genres/fantasy/books"), [1, 3, 7, 11])
    expect_books(await client.get("/genres/mystery/books"), [5, 8, 10])


@pytest.mark.rule("genre-empty")
async def test_genre_without_books(client: SpecClient, expect_books: ExpectBooks) -> None:
    """GET /genres/romance/books answers 200 with an empty array: a valid genre, no books."""
    expect_books(await client.get("/genres/romance/books"), [])


@pytest.mark.rule("genre-values", "error-422", "error-detail")
async def test_unknown_genre(client: SpecClient) -> None:
    """GET /genres/{genre}/books answers 422 for a non-genre (poetry, FANTASY, sci_fi, …)."""
    for genre in ("poetry", "FANTASY", "Sci-Fi", "sci_fi", "scifi", "fantasy%20", "romances"):
        r = await client.get(f"/genres/{genre}/books")
        if r.status_code != 422:
            raise fail(f"{call(r)} → expected 422, got {r.status_code}: {body_excerpt(r)}")
        expect_object(r, 422, "detail")
