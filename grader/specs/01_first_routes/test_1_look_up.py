"""Task 1: look up a book by id or by ISBN, through typed, bounded and patterned path parameters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_object, fail

pytestmark = pytest.mark.task(1)

ExpectBook = Callable[[Any, str, Mapping[str, Any]], None]

#: An integer past 64 bits: still an integer, so it names no book (404), or is below 1 (422).
HUGE = "99999999999999999999"


async def expect_422(client: SpecClient, path: str, why: str) -> None:
    r = await client.get(path)
    if r.status_code != 422:
        # The path as a learner would type it; percent-escapes only for line breaks.
        text = unquote(path)
        shown = path if any(char < " " for char in text) else text
        raise fail(f"GET {shown} ({why}) → expected 422, got {r.status_code}: {body_excerpt(r)}")
    expect_object(r, 422, "detail")


@pytest.mark.rule("book-by-id", "book-shape")
async def test_book_by_id(
    client: SpecClient, seed: dict[int, dict[str, Any]], expect_book: ExpectBook
) -> None:
    """GET /books/{book_id} answers 200 with the whole book: every field, as in the catalogue."""
    for book_id in (6, 12):
        r = await client.get(f"/books/{book_id}")
        expect_book(expect_object(r, 200), call(r), seed[book_id])


@pytest.mark.rule("book-id-bound", "error-detail")
async def test_book_id_lower_bound(
    client: SpecClient, seed: dict[int, dict[str, Any]], expect_book: ExpectBook
) -> None:
    """GET /books/{book_id} accepts id 1 (200) and rejects 0, -1 and -10²⁰ (422)."""
    first = await client.get("/books/1")
    expect_book(expect_object(first, 200), call(first), seed[1])
    for book_id in ("0", "-1", f"-{HUGE}"):
        await expect_422(client, f"/books/{book_id}", "an id below 1")


@pytest.mark.rule("book-id-404", "error-404", "error-detail")
async def test_book_id_not_found(client: SpecClient) -> None:
    """GET /books/{book_id} answers 404 with a JSON "detail" for 13, 999 and an id past 64 bits."""
    expect_object(await client.get("/books/12"), 200, "id")
    for book_id in ("13", "999", HUGE):
        expect_object(await client.get(f"/books/{book_id}"), 404, "detail")


@pytest.mark.rule("book-id-integer", "error-422", "error-detail")
async def test_book_id_must_be_an_integer(client: SpecClient) -> None:
    """GET /books/{book_id} answers 422 when the id is not an integer ("abc", "1.5", "1e3")."""
    for book_id in ("abc", "1.5", "1e3"):
        await expect_422(client, f"/books/{book_id}", "not an integer")


@pytest.mark.rule("isbn-lookup", "book-shape")
async def test_book_by_isbn(
    client: SpecClient, seed: dict[int, dict[str, Any]], expect_book: ExpectBook
) -> None:
    """GET /books/isbn/{isbn} answers 200 with the whole book that has this ISBN."""
    for book_id in (6, 1, 12):
        r = await client.get(f"/books/isbn/{seed[book_id]['isbn']}")
        expect_book(expect_object(r, 200), call(r), seed[book_id])


@pytest.mark.rule("isbn-404", "isbn-check-digit", "error-404")
async def test_isbn_not_found(client: SpecClient) -> None:
    """GET /books/isbn/{isbn} answers 404 for well-formed ISBNs no book has (any check digit)."""
    expect_object(await client.get("/books/isbn/9781635575637"), 200, "id")
    # The last one is Neuromancer's ISBN with another check digit: well-formed, and no book's.
    for isbn in ("9780000000002", "9791234567896", "9780441569596", "9799999999999"):
        expect_object(await client.get(f"/books/isbn/{isbn}"), 404, "detail")


@pytest.mark.rule("isbn-format", "isbn-422")
async def test_isbn_malformed(client: SpecClient) -> None:
    """GET /books/isbn/{isbn} answers 422 for malformed ISBNs (12 digits, 977…, hyphens, …)."""
    cases = {
        "978044156959": "12 digits",
        "979123456789": "12 digits",
        "9770441569595": "starts with 977",
        "9800441569595": "starts with 980",
        "97|0441569595": "a | where the 978 or 979 goes",
        "978-0-441-56959-5": "hyphens",
        "978 0441569595": "a space",
        "978044156959X": "a letter",
    }
    for isbn, why in cases.items():
        await expect_422(client, f"/books/isbn/{isbn}", why)


@pytest.mark.rule("isbn-anchored", "isbn-422")
async def test_isbn_pattern_is_anchored(client: SpecClient) -> None:
    """GET /books/isbn/{isbn} answers 422 for an ISBN with a prefix, a suffix or a line break."""
    cases = {
        "x9780441569595": "a prefix",
        "ISBN9780441569595": "a prefix",
        "97804415695951": "a 14th digit",
        "9780441569595x": "a suffix",
        "9780441569595%0A": "a trailing newline",
        "%0A9780441569595": "a leading newline",
    }
    for isbn, why in cases.items():
        await expect_422(client, f"/books/isbn/{isbn}", why)


@pytest.mark.rule("isbn-ascii-digits", "isbn-422")
async def test_isbn_digits_are_ascii(client: SpecClient) -> None:
    """GET /books/isbn/{isbn} answers 422 for digits of other scripts (Arabic-Indic, fullwidth)."""
    cases = {
        "978٠٤٤١٥٦٩٥٩٥": "Arabic-Indic digits",
        "9780441569５９５": "fullwidth digits",
        "978۰۴۴۱۵۶۹۵۹۵": "Eastern Arabic digits",
    }
    for isbn, why in cases.items():
        await expect_422(client, f"/books/isbn/{isbn}", why)
