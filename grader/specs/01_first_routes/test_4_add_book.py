"""Task 4: add a book, answering 201 Created; it then belongs to the catalogue."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_object, fail, thread_switches
from grader.loader import LoadedApp

pytestmark = pytest.mark.task(4)

ExpectBook = Callable[[Any, str, Mapping[str, Any]], None]
ExpectBooks = Callable[..., list[Any]]

#: Books to add. Every one has its own ISBN, none of them a seed book's: refusing a duplicate
#: ISBN is a "Going further" extension, which must never cost marks.
FIFTH_SEASON: dict[str, Any] = {
    "title": "The Fifth Season",
    "author": "N. K. Jemisin",
    "year": 2015,
    "genre": "fantasy",
    "tags": ["award-winner", "epic"],
    "isbn": "9780316229296",
}
OBELISK_GATE: dict[str, Any] = {
    "title": "The Obelisk Gate",
    "author": "N. K. Jemisin",
    "year": 2016,
    "genre": "fantasy",
    "tags": ["award-winner"],
    "isbn": "9780316229265",
}
PERSUASION: dict[str, Any] = {
    "title": "Persuasion",
    "author": "Jane Austen",
    "year": 1817,
    "genre": "romance",
    "tags": ["classic", "regency"],
    "isbn": "9790141439686",
}
FOUNDATION: dict[str, Any] = {
    "title": "Foundation",
    "author": "Isaac Asimov",
    "year": 1951,
    "genre": "sci-fi",
    "tags": ["classic", "epic"],
    "isbn": "9780553293357",
}


async def add(client: SpecClient, book: Mapping[str, Any], expect_book: ExpectBook) -> int:
    """POST the book; expect 201 with the book and an id; return the id."""
    r = await client.post("/books", json=dict(book))
    body = expect_object(r, 201, "id")
    expect_book(body, call(r), {**book, "id": body["id"]})
    return int(body["id"])


@pytest.mark.rule("add-201", "next-id", "book-shape")
async def test_add_book_answers_201(client: SpecClient, expect_book: ExpectBook) -> None:
    """POST /books answers 201 with the whole new book and id 13, then 14 for the next one."""
    first = await add(client, FIFTH_SEASON, expect_book)
    assert first == 13, f'POST /books → expected "id": 13 (the next free id), got {first!r}'
    second = await add(client, OBELISK_GATE, expect_book)
    assert second == 14, f'POST /books a second time → expected "id": 14, got {second!r}'


@pytest.mark.rule("add-stored")
async def test_added_book_can_be_read(client: SpecClient, expect_book: ExpectBook) -> None:
    """A book added with POST /books is then served by GET /books/{id} and by its ISBN."""
    book_id = await add(client, FIFTH_SEASON, expect_book)
    expected = {**FIFTH_SEASON, "id": book_id}
    r = await client.get(f"/books/{book_id}")
    expect_book(expect_object(r, 200), call(r), expected)
    r = await client.get(f"/books/isbn/{FIFTH_SEASON['isbn']}")
    expect_book(expect_object(r, 200), call(r), expected)


@pytest.mark.rule("add-listed", "id-order")
async def test_added_books_are_listed(
    client: SpecClient, expect_book: ExpectBook, expect_books: ExpectBooks
) -> None:
    """Books added with POST /books appear in GET /books and in their genre's listing."""
    added = {}
    for book in (PERSUASION, FOUNDATION):
        added[await add(client, book, expect_book)] = book
    added = {book_id: {**book, "id": book_id} for book_id, book in added.items()}
    romance, sci_fi = sorted(added)
    everything = [*range(1, 13), romance, sci_fi]
    expect_books(await client.get("/books", params={"limit": 20}), everything, added)
    expect_books(await client.get("/genres/romance/books"), [romance], added)
    expect_books(await client.get("/genres/sci-fi/books"), [2, 4, 6, 9, 12, sci_fi], added)
    r = await client.get("/books", params={"tag": "regency"})
    expect_books(r, [romance], added)
    r = await client.get("/books", params={"q": "asimov", "limit": 20})
    expect_books(r, [sci_fi], added)


@pytest.mark.rule("add-fields")
async def test_tags_are_optional(client: SpecClient, expect_book: ExpectBook) -> None:
    """POST /books without "tags" answers 201 with "tags": []."""
    book = {name: value for name, value in OBELISK_GATE.items() if name != "tags"}
    r = await client.post("/books", json=book)
    body = expect_object(r, 201, "id")
    expect_book(body, call(r), {**book, "tags": [], "id": body["id"]})


@pytest.mark.rule("add-fields")
async def test_add_book_text_bounds(client: SpecClient) -> None:
    """POST /books accepts a title of 1 and 200 characters and an author of 1 and 100."""
    bodies = {
        "a 1-character title": {**FIFTH_SEASON, "title": "T", "isbn": "9780000000101"},
        "a 200-character title": {**FIFTH_SEASON, "title": "T" * 200, "isbn": "9780000000102"},
        "a 1-character author": {**FIFTH_SEASON, "author": "A", "isbn": "9780000000103"},
        "a 100-character author": {**FIFTH_SEASON, "author": "A" * 100, "isbn": "9780000000104"},
    }
    for label, body in bodies.items():
        r = await client.post("/books", json=body)
        if r.status_code != 201:
            raise fail(f"{call(r)} with {label} → expected 201, got {r.status_code}")


@pytest.mark.rule("add-422", "add-fields", "isbn-format", "error-422", "error-detail")
async def test_add_book_rejects_bad_body(client: SpecClient) -> None:
    """POST /books answers 422 for a missing field, a bad length, genre, year, tags or isbn."""
    cases: dict[str, Any] = {
        f'no "{name}"': {key: value for key, value in FIFTH_SEASON.items() if key != name}
        for name in ("title", "author", "year", "genre", "isbn")
    }
    cases |= {
        "an empty title": {**FIFTH_SEASON, "title": ""},
        "a 201-character title": {**FIFTH_SEASON, "title": "T" * 201},
        "an empty author": {**FIFTH_SEASON, "author": ""},
        "a 101-character author": {**FIFTH_SEASON, "author": "A" * 101},
        '"genre": "poetry"': {**FIFTH_SEASON, "genre": "poetry"},
        '"genre": "Fantasy"': {**FIFTH_SEASON, "genre": "Fantasy"},
        '"year": "soon"': {**FIFTH_SEASON, "year": "soon"},
        '"year": 2015.5': {**FIFTH_SEASON, "year": 2015.5},
        '"tags": "epic"': {**FIFTH_SEASON, "tags": "epic"},
        "an empty body": {},
    }
    for isbn in ("x9780316229296", "97803162292961", "978031622929", "9770316229296",
                 "978-0-316-22929-6", "9780316229296\n", "978٠316229296"):  # fmt: skip
        cases[f'"isbn": {isbn!r}'] = {**FIFTH_SEASON, "isbn": isbn}
    for label, body in cases.items():
        r = await client.post("/books", json=body)
        if r.status_code != 422:
            raise fail(
                f"{call(r)} with {label} → expected 422, got {r.status_code}: {body_excerpt(r)}"
            )
        expect_object(r, 422, "detail")
    r = await client.get("/books/13")
    assert r.status_code == 404, (
        f"{call(r)} after rejected POSTs → expected 404, got {r.status_code}"
    )


@pytest.mark.rule("add-ignores-id", "next-id")
async def test_client_cannot_choose_the_id(
    client: SpecClient, seed: dict[int, dict[str, Any]], expect_book: ExpectBook
) -> None:
    """POST /books ignores an "id" in the body: the server picks 13, and book 1 stays as it was."""
    r = await client.post("/books", json={**FIFTH_SEASON, "id": 1})
    body = expect_object(r, 201, "id")
    assert body["id"] == 13, f'{call(r)} with "id": 1 → expected "id": 13, got {body["id"]!r}'
    r = await client.get("/books/1")
    expect_book(expect_object(r, 200), f'{call(r)} after a POST with "id": 1', seed[1])
    r = await client.post("/books", json={**OBELISK_GATE, "id": 500})
    body = expect_object(r, 201, "id")
    assert body["id"] == 14, f'{call(r)} with "id": 500 → expected "id": 14, got {body["id"]!r}'
    r = await client.get("/books/500")
    assert r.status_code == 404, f"{call(r)} → the client chose the id: expected 404, got 200"


class SwitchingDict(dict[int, Any]):
    """The catalogue, with a thread switch before every write: a request that read the highest id
    and has not yet stored its book lets the others read the same id, as under real load."""

    def __setitem__(self, key: int, value: Any) -> None:
        time.sleep(0)  # no wait: it releases the GIL so that another thread runs now
        super().__setitem__(key, value)

    def setdefault(self, key: int, default: Any = None) -> Any:
        time.sleep(0)
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        time.sleep(0)
        super().update(*args, **kwargs)


#: Requests per round of the race, and rounds; a round's books are posted all at once.
RACERS = 10
ROUNDS = 3


@pytest.mark.rule("add-concurrent", "next-id", "books-hook")
async def test_concurrent_adds_get_their_own_ids(client: SpecClient, loaded: LoadedApp) -> None:
    """POST /books many times at once: every book gets its own id (13, 14, …) and is kept."""
    catalogue = getattr(loaded.module, "BOOKS", None)
    if isinstance(catalogue, dict):
        setattr(loaded.module, "BOOKS", SwitchingDict(catalogue))  # noqa: B010
    titles: dict[int, str] = {}
    # Frequent thread switches make a read-then-write of the highest id interleave in sync
    # endpoints, which run in a thread pool.
    with thread_switches():
        for round_ in range(ROUNDS):
            bodies = [
                {**FOUNDATION, "title": f"Foundation {round_}.{n}",
                 "isbn": f"979{round_:02d}{n:08d}"}
                for n in range(RACERS)
            ]  # fmt: skip
            responses = await asyncio.gather(*(client.post("/books", json=b) for b in bodies))
            ids = [_created_id(r) for r in responses]
            first = 13 + round_ * RACERS
            if sorted(ids) != list(range(first, first + RACERS)):
                twice = sorted({i for i in ids if ids.count(i) > 1})
                raise fail(
                    f"POST /books {RACERS} times at once → expected ids {first} to "
                    f"{first + RACERS - 1}, one each, got {sorted(ids)}"
                    + (f" (given twice: {twice})" if twice else "")
                )
            titles |= {i: body["title"] for i, body in zip(ids, bodies, strict=True)}
    for book_id, title in sorted(titles.items()):  # the lowest first: one message each time
        r = await client.get(f"/books/{book_id}")
        got = expect_object(r, 200, "title")["title"]
        if got != title:
            raise fail(f"{call(r)} → expected the book posted as {title!r}, got {got!r}")


def _created_id(r: httpx.Response) -> int:
    body = expect_object(r, 201, "id")
    if not isinstance(body["id"], int):
        raise fail(f'{call(r)} → expected an integer "id", got {body["id"]!r}')
    return body["id"]
