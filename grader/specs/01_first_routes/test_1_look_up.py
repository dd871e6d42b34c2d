"""Task 1: look up a book by id or by ISBN, through typed, bounded and patterned path parameters."""

from __future__ import annotations

import pytest

from grader.kit import SpecClient, call, expect_object

pytestmark = pytest.mark.task(1)

#: Book 6 of the seed catalogue, as the README's table shows it.
NEUROMANCER = {
    "id": 6,
    "title": "Neuromancer",
    "author": "William Gibson",
    "year": 1984,
    "genre": "sci-fi",
    "tags": ["cyberpunk", "award-winner"],
    "isbn": "9780441569595",
}


def expect_book(body: dict[str, object], what: str, expected: dict[str, object]) -> None:
    for name, value in expected.items():
        assert body.get(name) == value, (
            f'{what} → expected "{name}": {value!r} (book {expected["id"]}), got {body.get(name)!r}'
        )


async def test_book_by_id(client: SpecClient) -> None:
    """GET /books/{book_id} answers 200 with the book's fields."""
    r = await client.get("/books/6")
    body = expect_object(r, 200, *NEUROMANCER)
    expect_book(body, call(r), NEUROMANCER)


async def test_book_id_lower_bound(client: SpecClient) -> None:
    """GET /books/{book_id} accepts id 1 (200) and rejects 0 and -1 (422)."""
    first = await client.get("/books/1")
    body = expect_object(first, 200, "id", "title")
    assert body["id"] == 1, f"{call(first)} → expected the book with id 1, got id {body['id']!r}"
    for book_id in ("0", "-1"):
        expect_object(await client.get(f"/books/{book_id}"), 422, "detail")


async def test_book_id_not_found(client: SpecClient) -> None:
    """GET /books/{book_id} answers 404 with a JSON "detail" for an id that does not exist."""
    expect_object(await client.get("/books/12"), 200, "id")
    for book_id in (13, 999):
        expect_object(await client.get(f"/books/{book_id}"), 404, "detail")


async def test_book_id_must_be_an_integer(client: SpecClient) -> None:
    """GET /books/{book_id} answers 422 when the id is not an integer ("abc", "1.5")."""
    for book_id in ("abc", "1.5"):
        expect_object(await client.get(f"/books/{book_id}"), 422, "detail")


async def test_book_by_isbn(client: SpecClient) -> None:
    """GET /books/isbn/{isbn} answers 200 with the book that has this ISBN."""
    r = await client.get("/books/isbn/9780441569595")
    body = expect_object(r, 200, *NEUROMANCER)
    expect_book(body, call(r), NEUROMANCER)


async def test_isbn_not_found(client: SpecClient) -> None:
    """GET /books/isbn/{isbn} answers 404 for well-formed ISBNs (978… and 979…) not in stock."""
    expect_object(await client.get("/books/isbn/9781635575637"), 200, "id")
    for isbn in ("9780000000002", "9791234567896"):
        expect_object(await client.get(f"/books/isbn/{isbn}"), 404, "detail")


async def test_isbn_malformed(client: SpecClient) -> None:
    """GET /books/isbn/{isbn} answers 422 for malformed ISBNs (12 digits, 977…, hyphens, X)."""
    for isbn in ("978044156959", "9770441569595", "978-0-441-56959-5", "978044156959X"):
        expect_object(await client.get(f"/books/isbn/{isbn}"), 422, "detail")


async def test_isbn_pattern_is_anchored(client: SpecClient) -> None:
    """GET /books/isbn/{isbn} answers 422 when a valid ISBN has extra characters around it."""
    for isbn in ("x9780441569595", "97804415695951", "ISBN9780441569595"):
        expect_object(await client.get(f"/books/isbn/{isbn}"), 422, "detail")
