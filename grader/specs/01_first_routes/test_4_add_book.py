"""Task 4: add a book, answering 201 Created."""

from __future__ import annotations

from typing import Any

import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_object, fail

pytestmark = pytest.mark.task(4)

NEW_BOOK: dict[str, Any] = {
    "title": "The Fifth Season",
    "author": "N. K. Jemisin",
    "year": 2015,
    "genre": "fantasy",
    "tags": ["award-winner", "epic"],
    "isbn": "9780316229296",
}


async def test_add_book_answers_201(client: SpecClient) -> None:
    """POST /books answers 201 with the new book: its fields and id 13, then 14."""
    r = await client.post("/books", json=NEW_BOOK)
    body = expect_object(r, 201, "id", *NEW_BOOK)
    for name, value in NEW_BOOK.items():
        assert body[name] == value, f'{call(r)} → expected "{name}": {value!r}, got {body[name]!r}'
    assert body["id"] == 13, f'{call(r)} → expected "id": 13 (the next free id), got {body["id"]!r}'
    second = await client.post("/books", json={**NEW_BOOK, "title": "The Obelisk Gate"})
    body = expect_object(second, 201, "id")
    assert body["id"] == 14, (
        f'{call(second)} → expected "id": 14 for a second book, got {body["id"]!r}'
    )


async def test_added_book_can_be_read(client: SpecClient) -> None:
    """A book added with POST /books is then served by GET /books/{book_id}."""
    created = expect_object(await client.post("/books", json=NEW_BOOK), 201, "id")
    r = await client.get(f"/books/{created['id']}")
    body = expect_object(r, 200, "title")
    assert body["title"] == NEW_BOOK["title"], (
        f'{call(r)} → expected "title": {NEW_BOOK["title"]!r}, got {body["title"]!r}'
    )


async def test_add_book_rejects_bad_body(client: SpecClient) -> None:
    """POST /books answers 422 for a missing title, an unknown genre or a malformed isbn."""
    missing_title = {name: value for name, value in NEW_BOOK.items() if name != "title"}
    cases = {
        "no title": missing_title,
        '"genre": "poetry"': {**NEW_BOOK, "genre": "poetry"},
        '"isbn": "x9780316229296"': {**NEW_BOOK, "isbn": "x9780316229296"},
    }
    for label, body in cases.items():
        r = await client.post("/books", json=body)
        if r.status_code != 422:
            raise fail(
                f"{call(r)} with {label} → expected 422, got {r.status_code}: {body_excerpt(r)}"
            )
        expect_object(r, 422, "detail")
