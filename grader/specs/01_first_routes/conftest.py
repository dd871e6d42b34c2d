"""Fixtures for the catalogue specs: the seed catalogue of the README, and checks of book lists.

The README fixes the seed data (`BOOKS` and `USERS` are given and must not change), so a spec may
compare whole books, field for field, with the README's table.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest

from grader.kit import call, expect_list, fail

#: The seed catalogue, as the README's table shows it, by id.
_BOOKS: list[dict[str, Any]] = [
    {"id": 1, "title": "A Wizard of Earthsea", "author": "Ursula K. Le Guin", "year": 1968,
     "genre": "fantasy", "tags": ["classic", "coming-of-age"], "isbn": "9780547773742"},
    {"id": 2, "title": "The Left Hand of Darkness", "author": "Ursula K. Le Guin",
     "year": 1969, "genre": "sci-fi", "tags": ["classic", "award-winner"],
     "isbn": "9780441478125"},
    {"id": 3, "title": "The Hobbit", "author": "J. R. R. Tolkien", "year": 1937,
     "genre": "fantasy", "tags": ["classic", "adventure"], "isbn": "9780547928227"},
    {"id": 4, "title": "Dune", "author": "Frank Herbert", "year": 1965, "genre": "sci-fi",
     "tags": ["classic", "award-winner", "epic"], "isbn": "9780441172719"},
    {"id": 5, "title": "The Murder of Roger Ackroyd", "author": "Agatha Christie",
     "year": 1926, "genre": "mystery", "tags": ["classic", "whodunit"],
     "isbn": "9780062073563"},
    {"id": 6, "title": "Neuromancer", "author": "William Gibson", "year": 1984,
     "genre": "sci-fi", "tags": ["cyberpunk", "award-winner"], "isbn": "9780441569595"},
    {"id": 7, "title": "The Name of the Wind", "author": "Patrick Rothfuss", "year": 2007,
     "genre": "fantasy", "tags": ["epic"], "isbn": "9780756404741"},
    {"id": 8, "title": "Gone Girl", "author": "Gillian Flynn", "year": 2012,
     "genre": "mystery", "tags": ["thriller"], "isbn": "9780307588371"},
    {"id": 9, "title": "Snow Crash", "author": "Neal Stephenson", "year": 1992,
     "genre": "sci-fi", "tags": ["cyberpunk", "satire"], "isbn": "9780553380958"},
    {"id": 10, "title": "The Hound of the Baskervilles", "author": "Arthur Conan Doyle",
     "year": 1902, "genre": "mystery", "tags": ["classic", "whodunit"],
     "isbn": "9780141034324"},
    {"id": 11, "title": "Piranesi", "author": "Susanna Clarke", "year": 2020,
     "genre": "fantasy", "tags": ["award-winner"], "isbn": "9781635575637"},
    {"id": 12, "title": "The Martian", "author": "Andy Weir", "year": 2011,
     "genre": "sci-fi", "tags": ["survival"], "isbn": "9780553418026"},
]  # fmt: skip
SEED: dict[int, dict[str, Any]] = {book["id"]: book for book in _BOOKS}

#: The fields of a book in every response.
BOOK_FIELDS = ("id", "title", "author", "year", "genre", "tags", "isbn")

#: `expect_book(response_or_body, what, expected)`: fail unless the object has every field of the
#: expected book with its value.
ExpectBook = Callable[[Any, str, Mapping[str, Any]], None]

#: `expect_books(response, [1, 2], added={13: {...}})`: fail unless the response is 200 with a JSON
#: array of exactly these books, whole, in this order; ids not in the seed come from `added`.
ExpectBooks = Callable[..., list[Any]]


@pytest.fixture
def seed() -> dict[int, dict[str, Any]]:
    """The seed catalogue by id (a copy: a spec may change it)."""
    return copy.deepcopy(SEED)


def _expect_book(body: Any, what: str, expected: Mapping[str, Any]) -> None:
    if not isinstance(body, dict):
        raise fail(f"{what} → expected a book (a JSON object), got {body!r}")
    for name in BOOK_FIELDS:
        if name not in body:
            raise fail(f'{what} → the book has no field "{name}": {body!r}')
        if body[name] != expected[name]:
            raise fail(
                f'{what} → expected "{name}": {expected[name]!r} (book {expected["id"]}), '
                f"got {body[name]!r}"
            )


@pytest.fixture
def expect_book() -> ExpectBook:
    return _expect_book


@pytest.fixture
def expect_books() -> ExpectBooks:
    def expect_books(
        r: httpx.Response, ids: list[int], added: Mapping[int, Mapping[str, Any]] | None = None
    ) -> list[Any]:
        books = expect_list(r, 200)
        got = [book.get("id") if isinstance(book, dict) else book for book in books]
        if got != ids:
            raise fail(f"{call(r)} → expected the books with ids {ids}, got ids {got}")
        known = {**SEED, **(added or {})}
        for book in books:
            _expect_book(book, call(r), known[book["id"]])
        return books

    return expect_books
