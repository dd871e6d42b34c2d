"""Task 1: one database for the app, one session per request, closed whatever happens."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_status, fail

pytestmark = pytest.mark.task(1)

BookCheck = Callable[..., dict[str, Any]]
SeedBook = Callable[..., dict[str, Any]]
Same = Callable[[httpx.Response, Any, Any, str], None]
Returned = Callable[[httpx.Response], None]
BreakBooks = Callable[[], None]
Connect = Callable[..., AbstractAsyncContextManager[SpecClient]]
Watch = Any


@pytest.mark.rule("read-book")
async def test_read_book(
    client: SpecClient, book: BookCheck, seed_book: SeedBook, same: Same
) -> None:
    """GET /books/{id} answers 200 with the book, its price as stored, in EUR (ids 1, 7, 12)."""
    for book_id in (1, 7, 12):
        response = await client.get(f"/books/{book_id}")
        same(response, book(response), seed_book(book_id), "the book")


@pytest.mark.rule("book-404")
async def test_unknown_book_is_404(client: SpecClient) -> None:
    """GET /books/13 and /books/9999 answer 404: the catalogue holds books 1 to 12."""
    for book_id in (13, 9999):
        expect_status(await client.get(f"/books/{book_id}"), 404)


@pytest.mark.rule("book-id-422")
async def test_book_id_must_be_a_whole_number_from_1(client: SpecClient) -> None:
    """GET /books/{id} answers 422 for abc, 1.5, 0 and -1, and still 200 for 1."""
    for book_id in ("abc", "1.5", "0", "-1"):
        expect_status(await client.get(f"/books/{book_id}"), 422)
    expect_status(await client.get("/books/1"), 200)


@pytest.mark.rule("book-id-huge")
async def test_huge_book_ids_are_no_server_error(safe: SpecClient) -> None:
    """GET /books/{id} answers 404 for 2^63 - 1, and 404 or 422 (never 500) past it."""
    expect_status(await safe.get(f"/books/{2**63 - 1}"), 404)
    for book_id in (2**63, 2**64, 10**30):
        expect_status(await safe.get(f"/books/{book_id}"), 404, 422)


@pytest.mark.rule("one-database", "watched-database")
async def test_one_database_serves_every_request(client: SpecClient, watch: Watch) -> None:
    """A dozen GET /books/{id} one after another open at most 2 new database connections."""
    before = watch.opened
    for book_id in range(1, 13):
        expect_status(await client.get(f"/books/{book_id}"), 200)
    opened = watch.opened - before
    if opened > 2:
        raise fail(
            f"12 GET /books/{{id}} one after another → {opened} new database connections: a "
            "request must take its session from the app's one Database, not open a Database "
            "(and so a new pool) of its own"
        )


@pytest.mark.rule("database-closed")
async def test_database_closed_when_the_app_stops(
    app: Any, connect: Connect, watch: Watch, hook: Any
) -> None:
    """When the app stops, every database connection it opened is closed."""
    async with connect(app) as client:
        for book_id in (1, 2):
            expect_status(await client.get(f"/books/{book_id}"), 200)
    if watch.opened == 0:
        raise fail("GET /books/1 → 200, yet the grader saw no database connection opened")
    if watch.closed < watch.opened:
        raise fail(
            f"the app opened {watch.opened} database connection(s) and closed "
            f"{watch.closed} when it stopped: close the Database in the lifespan, after yield"
        )


@pytest.mark.rule("session-per-request", "watched-database")
async def test_each_request_gets_its_own_session(client: SpecClient, watch: Watch) -> None:
    """GET /books/1, /books/2, /books/3 one after another: each uses a new session."""
    seen: list[Any] = []
    for book_id in (1, 2, 3):
        mark = watch.mark()
        response = expect_status(await client.get(f"/books/{book_id}"), 200)
        sessions = watch.begun_since(mark)
        if not sessions:
            raise fail(
                f"{call(response)} → 200, but no session of the given Database began a "
                "transaction: read the book through a session from Database.session()"
            )
        if any(session is old for session in sessions for old in seen):
            raise fail(
                f"{call(response)} used a session an earlier request had used: every request "
                "needs a session of its own (not a global, not one made at startup)"
            )
        seen += sessions


@pytest.mark.rule("session-per-request")
async def test_concurrent_requests_get_their_own_sessions(
    client: SpecClient, watch: Watch, seed_book: SeedBook, same: Same
) -> None:
    """8 concurrent GET /books/{id}: each answers its own book, through 8 different sessions."""
    mark = watch.mark()
    responses = await asyncio.gather(*(client.get(f"/books/{n}") for n in range(1, 9)))
    for number, response in enumerate(responses, start=1):
        expect_status(response, 200)
        same(response, response.json(), seed_book(number), "the book")
    sessions = watch.begun_since(mark)
    if len(sessions) < 8:
        raise fail(
            f"8 concurrent GET /books/{{id}} → {len(sessions)} distinct session(s) began a "
            "transaction: every request needs a session of its own"
        )


@pytest.mark.rule("one-session")
async def test_one_session_per_request(client: SpecClient, watch: Watch) -> None:
    """GET /books/{id} and GET /books each use exactly one session, shared by all dependencies."""
    for path in ("/books/5", "/books/6?currency=USD", "/books?author=Ada%20Quill"):
        mark = watch.mark()
        response = expect_status(await client.get(path), 200)
        count = len(watch.begun_since(mark))
        if count != 1:
            raise fail(
                f"{call(response)} → {count} sessions began a transaction: the endpoint and "
                "every dependency of one request share one session (FastAPI calls "
                "get_session once per request, whoever declares it)"
            )


@pytest.mark.rule("session-closed")
async def test_session_closed_after_success(client: SpecClient, returned: Returned) -> None:
    """After GET /books/{id} and GET /books answer 200, every connection is back in the pool."""
    for path in ("/books/4", "/books", "/books?q=python"):
        returned(expect_status(await client.get(path), 200))


@pytest.mark.rule("session-closed")
async def test_session_closed_after_404(client: SpecClient, returned: Returned) -> None:
    """After get_book's 404 (GET /books/77), every connection is back in the pool."""
    returned(expect_status(await client.get("/books/77"), 404))
    returned(expect_status(await client.get("/books/1"), 200))


@pytest.mark.rule("session-closed")
async def test_session_closed_after_validation_error(
    client: SpecClient, admin: SpecClient, returned: Returned
) -> None:
    """After a 422 that comes once the book was read, every connection is back in the pool."""
    returned(expect_status(await client.get("/books/2?currency=usd"), 422))
    returned(expect_status(await admin.patch("/admin/books/2", json={"title": ""}), 422))
    returned(expect_status(await admin.patch("/admin/books/2", json={"price_cents": -1}), 422))


@pytest.mark.rule("session-closed")
async def test_session_closed_after_server_error(
    safe: SpecClient, returned: Returned, break_books: BreakBooks
) -> None:
    """With the books table gone, GET /books/{id} answers 500 and the connection is back."""
    returned(expect_status(await safe.get("/books/1"), 200))
    break_books()
    for path in ("/books/1", "/books"):
        returned(expect_status(await safe.get(path), 500))
