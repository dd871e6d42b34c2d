"""Task 4: the admin API, behind a key checked by a router dependency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, expect_status, fail

pytestmark = pytest.mark.task(4)

BookCheck = Callable[..., dict[str, Any]]
SeedBook = Callable[..., dict[str, Any]]
Same = Callable[[httpx.Response, Any, Any, str], None]
Stored = Callable[..., list[tuple[Any, ...]]]
ClientAt = Callable[..., SpecClient]
AtAnswer = Callable[..., Awaitable[tuple[httpx.Response, list[tuple[Any, ...]]]]]
Fake = Any

#: The key every app is started with (see conftest.py).
KEY = "kata-4dm1n-7f3b9c2e5a8d1f6b0c4e9"
NEW: dict[str, Any] = {
    "isbn": "9781111111111", "title": "Fresh Off the Press", "author": "Fay Nguyen",
    "price_cents": 2100,
}  # fmt: skip


def price_of(stored: Stored, book_id: int) -> Any:
    rows = stored("SELECT price_cents FROM books WHERE id = ?", book_id)
    return rows[0][0] if rows else None


async def admin_requests(client: SpecClient) -> list[httpx.Response]:
    """One request to every admin route, each with a valid body."""
    return [
        await client.post("/admin/books", json={**NEW, "isbn": "9782222222222"}),
        await client.patch("/admin/books/2", json={"title": "Renamed"}),
        await client.delete("/admin/books/3"),
        await client.post("/admin/prices", json={"changes": [{"book_id": 4, "price_cents": 1}]}),
        await client.get("/admin/audit"),
    ]


async def untouched(client: SpecClient, seed_book: SeedBook, same: Same) -> None:
    """The refused requests of `admin_requests` changed nothing."""
    response = await client.get("/books", params={"limit": 50})
    expect_status(response, 200)
    same(response, response.json()["items"], [seed_book(n) for n in range(1, 13)], "the books")


@pytest.mark.rule("create-book", "commit-before-answer", "database-url")
async def test_create_book(admin: SpecClient, book: BookCheck, same: Same, stored: Stored) -> None:
    """POST /admin/books answers 201 with the new book (id 13), at once readable and stored."""
    response = await admin.post("/admin/books", json=NEW)
    created = book(response, 201)
    same(response, created, {"id": 13, **NEW, "currency": "EUR"}, "the new book")
    response = await admin.get("/books/13")
    same(response, book(response), created, "GET /books/13 after the POST")
    rows = stored("SELECT isbn, title, author, price_cents FROM books WHERE id = 13")
    same(response, [list(row) for row in rows], [list(NEW.values())], "the row in DATABASE_URL")


@pytest.mark.rule("create-book", "commit-before-answer")
async def test_duplicate_isbn_is_409(admin: SpecClient, stored: Stored) -> None:
    """POST /admin/books with an ISBN in use answers 409 and stores nothing; the next works."""
    response = await admin.post("/admin/books", json={**NEW, "isbn": "9780000000001"})
    expect_status(response, 409)
    count = stored("SELECT COUNT(*) FROM books")[0][0]
    if count != 12:
        raise fail(f"{call(response)} → 409, yet the books table has {count} rows, not 12")
    expect_status(await admin.post("/admin/books", json=NEW), 201)
    expect_status(await admin.post("/admin/books", json=NEW), 409)


@pytest.mark.rule("create-book")
async def test_create_book_limits(admin: SpecClient) -> None:
    """POST /admin/books answers 422 just past each limit of the body, and 201 at each limit."""
    refused: list[dict[str, Any]] = [
        {"isbn": "978111111111"}, {"isbn": "97811111111111"}, {"isbn": "978111111111x"},
        {"title": ""}, {"title": "t" * 201}, {"author": ""}, {"author": "a" * 101},
        {"price_cents": -1}, {"price_cents": 1_000_001}, {"price_cents": "cheap"},
    ]  # fmt: skip
    for change in refused:
        response = await admin.post("/admin/books", json={**NEW, **change})
        if response.status_code != 422:
            raise fail(f"{call(response)} with {change} → expected 422, got {response.status_code}")
    accepted = [
        {"isbn": "9783333333331", "title": "t" * 200, "price_cents": 0},
        {"isbn": "9783333333332", "author": "a" * 100, "price_cents": 1_000_000},
    ]
    for change in accepted:
        response = await admin.post("/admin/books", json={**NEW, **change})
        if response.status_code != 201:
            raise fail(f"{call(response)} with {change} → expected 201, got {response.status_code}")


@pytest.mark.rule("server-id")
async def test_client_cannot_pick_the_id(
    admin: SpecClient, book: BookCheck, seed_book: SeedBook, same: Same
) -> None:
    """POST /admin/books with "id": 5 (or 999) creates book 13 and leaves book 5 alone."""
    response = await admin.post("/admin/books", json={**NEW, "id": 5})
    same(response, book(response, 201)["id"], 13, "the new book's id")
    response = await admin.post("/admin/books", json={**NEW, "isbn": "9784444444444", "id": 999})
    same(response, book(response, 201)["id"], 14, "the new book's id")
    response = await admin.get("/books/5")
    same(response, book(response), seed_book(5), "book 5")


@pytest.mark.rule("patch-book", "patch-partial", "same-session")
async def test_patch_changes_and_saves(
    admin: SpecClient, book: BookCheck, seed_book: SeedBook, same: Same
) -> None:
    """PATCH /admin/books/2 {"price_cents": 1999} answers 200 and is saved; the rest stays."""
    response = await admin.patch("/admin/books/2", json={"price_cents": 1999})
    same(response, book(response), seed_book(2, price=1999), "the patched book")
    response = await admin.get("/books/2")
    same(response, book(response), seed_book(2, price=1999), "GET /books/2 after the PATCH")
    response = await admin.patch("/admin/books/2", json={"title": "New Title", "author": "Z"})
    expected = {**seed_book(2, price=1999), "title": "New Title", "author": "Z"}
    same(response, book(response), expected, "the patched book")
    response = await admin.get("/books/2")
    same(response, book(response), expected, "GET /books/2 after the second PATCH")


@pytest.mark.rule("patch-book")
async def test_patch_errors(
    admin: SpecClient, book: BookCheck, seed_book: SeedBook, same: Same
) -> None:
    """PATCH /admin/books/99 answers 404; a null or empty title or a negative price 422."""
    expect_status(await admin.patch("/admin/books/99", json={"title": "Ghost"}), 404)
    for body in ({"title": None}, {"title": ""}, {"price_cents": -1}, {"author": None}):
        response = await admin.patch("/admin/books/6", json=body)
        if response.status_code != 422:
            raise fail(f"{call(response)} with {body} → expected 422, got {response.status_code}")
    response = await admin.get("/books/6")
    same(response, book(response), seed_book(6), "book 6 after refused PATCHes")


@pytest.mark.rule("server-id", "patch-partial")
async def test_patch_ignores_server_fields(
    admin: SpecClient, book: BookCheck, seed_book: SeedBook, same: Same
) -> None:
    """PATCH /admin/books/8 with "id" and "isbn" changes neither: only title, author, price."""
    response = await admin.patch(
        "/admin/books/8", json={"id": 1, "isbn": "9789999999999", "price_cents": 10}
    )
    same(response, book(response), seed_book(8, price=10), "the patched book")
    response = await admin.get("/books/8")
    same(response, book(response), seed_book(8, price=10), "GET /books/8")
    response = await admin.get("/books/1")
    same(response, book(response), seed_book(1), "book 1")


@pytest.mark.rule("delete-book", "same-session")
async def test_delete_book(admin: SpecClient) -> None:
    """DELETE /admin/books/4 answers 204 with an empty body; then the book is gone (404)."""
    response = expect_status(await admin.delete("/admin/books/4"), 204)
    if response.content:
        raise fail(f"{call(response)} → 204 must have an empty body, got {response.content!r:.80}")
    expect_status(await admin.get("/books/4"), 404)
    expect_status(await admin.delete("/admin/books/4"), 404)
    expect_status(await admin.delete("/admin/books/99"), 404)
    response = expect_status(await admin.get("/books", params={"limit": 50}), 200)
    listed = [item["id"] for item in response.json()["items"]]
    if 4 in listed:
        raise fail(f"{call(response)} after DELETE /admin/books/4 → still lists book 4")


@pytest.mark.rule("bulk-prices")
async def test_bulk_prices(admin: SpecClient, seed_book: SeedBook, same: Same) -> None:
    """POST /admin/prices changes every price named and answers the books in id order."""
    response = await admin.post(
        "/admin/prices",
        json={"changes": [{"book_id": 9, "price_cents": 900}, {"book_id": 2, "price_cents": 0}]},
    )
    same(response, expect_list(response, 200), [seed_book(2, price=0), seed_book(9, price=900)],
         "the changed books")  # fmt: skip
    for book_id, price in ((2, 0), (9, 900)):
        response = await admin.get(f"/books/{book_id}")
        same(response, response.json(), seed_book(book_id, price=price), f"book {book_id}")


@pytest.mark.rule("all-or-nothing", "session-closed")
async def test_bulk_prices_all_or_nothing(
    admin: SpecClient, stored: Stored, seed_book: SeedBook, same: Same
) -> None:
    """POST /admin/prices naming book 99 between books 1 and 2 answers 404 and changes none."""
    response = await admin.post(
        "/admin/prices",
        json={"changes": [
            {"book_id": 1, "price_cents": 11}, {"book_id": 99, "price_cents": 12},
            {"book_id": 2, "price_cents": 13},
        ]},
    )  # fmt: skip
    expect_status(response, 404)
    for book_id in (1, 2):
        if price_of(stored, book_id) != seed_book(book_id)["price_cents"]:
            raise fail(
                f"{call(response)} → 404, yet book {book_id} now costs "
                f"{price_of(stored, book_id)}: a refused change of prices changes none"
            )
    response = await admin.get("/books/1")
    same(response, response.json(), seed_book(1), "book 1 after the refused POST /admin/prices")


@pytest.mark.rule("named-twice", "bulk-prices")
async def test_bulk_prices_book_named_twice(
    admin: SpecClient, seed_book: SeedBook, same: Same
) -> None:
    """A book named twice in POST /admin/prices gets the later price, and is answered once."""
    response = await admin.post(
        "/admin/prices",
        json={"changes": [
            {"book_id": 3, "price_cents": 100}, {"book_id": 1, "price_cents": 50},
            {"book_id": 3, "price_cents": 200},
        ]},
    )  # fmt: skip
    same(response, expect_list(response, 200), [seed_book(1, price=50), seed_book(3, price=200)],
         "the changed books")  # fmt: skip
    response = await admin.get("/books/3")
    same(response, response.json(), seed_book(3, price=200), "book 3")


@pytest.mark.rule("bulk-prices")
async def test_bulk_prices_limits(admin: SpecClient) -> None:
    """POST /admin/prices takes 1 to 50 changes: 0 or 51 answer 422, 50 answer 200."""
    changes = [{"book_id": n % 12 + 1, "price_cents": n} for n in range(51)]
    for count in (0, 51):
        response = await admin.post("/admin/prices", json={"changes": changes[:count]})
        if response.status_code != 422:
            raise fail(
                f"{call(response)} with {count} changes → expected 422, got {response.status_code}"
            )
    for bad in ({"book_id": 0, "price_cents": 1}, {"book_id": 1, "price_cents": -1}):
        response = await admin.post("/admin/prices", json={"changes": [bad]})
        if response.status_code != 422:
            raise fail(f"{call(response)} with {bad} → expected 422, got {response.status_code}")
    expect_status(await admin.post("/admin/prices", json={"changes": changes[:50]}), 200)


def refused(response: httpx.Response, what: str) -> None:
    if response.status_code != 401:
        raise fail(f"{call(response)} {what} → expected 401, got {response.status_code}")
    challenge = response.headers.get("www-authenticate")
    if challenge is None or challenge.strip() != "APIKey":
        raise fail(
            f"{call(response)} {what} → 401 must carry WWW-Authenticate: APIKey, got {challenge!r}"
        )


@pytest.mark.rule("key-required", "admin-router", "admin-api-key")
async def test_every_admin_route_needs_the_key(
    client: SpecClient, seed_book: SeedBook, same: Same
) -> None:
    """Without X-API-Key, every /admin route answers 401 (WWW-Authenticate: APIKey)."""
    for response in await admin_requests(client):
        refused(response, "without X-API-Key")
    await untouched(client, seed_book, same)


@pytest.mark.rule("key-variants")
async def test_near_misses_of_the_key_are_refused(
    client_at: ClientAt, seed_book: SeedBook, same: Same
) -> None:
    """X-API-Key empty, wrong, one character short or long, in capitals, or a prefix: 401."""
    variants = {
        "empty": "", "wrong": "not-the-key", "one character short": KEY[:-1],
        "one character longer": KEY + "0", "in capitals": KEY.upper(), "its first character":
        KEY[:1], "with a character before it": "x" + KEY, "its first half": KEY[:16],
    }  # fmt: skip
    for what, value in variants.items():
        async with client_at(headers={"X-API-Key": value}) as client:
            for response in await admin_requests(client):
                refused(response, f"with X-API-Key {what} ({value!r})")
    async with client_at() as client:
        await untouched(client, seed_book, same)


@pytest.mark.rule("key-twice")
async def test_key_sent_twice_is_refused(
    client_at: ClientAt, seed_book: SeedBook, same: Same
) -> None:
    """Two X-API-Key headers answer 401, even when one or both hold the key."""
    pairs = [(KEY, KEY), (KEY, "wrong"), ("wrong", KEY), (KEY, "")]
    async with client_at() as client:
        for first, second in pairs:
            headers = [("X-API-Key", first), ("X-API-Key", second)]
            response = await client.delete("/admin/books/5", headers=headers)
            refused(response, f"with two X-API-Key headers ({first!r:.12}…, {second!r:.12}…)")
            response = await client.get("/admin/audit", headers=headers)
            refused(response, "with two X-API-Key headers")
        await untouched(client, seed_book, same)


@pytest.mark.env(ADMIN_API_KEY="")
@pytest.mark.rule("key-empty-setting")
async def test_empty_setting_closes_the_admin_api(
    client_at: ClientAt, seed_book: SeedBook, same: Same
) -> None:
    """With ADMIN_API_KEY empty, every admin request answers 401, an empty X-API-Key included."""
    for headers in ({}, {"X-API-Key": ""}, {"X-API-Key": KEY}, {"X-API-Key": "x"}):
        async with client_at(headers=headers) as client:
            for response in await admin_requests(client):
                refused(response, f"with ADMIN_API_KEY empty and headers {headers}")
    async with client_at() as client:
        await untouched(client, seed_book, same)


@pytest.mark.rule("admin-unknown-404")
async def test_unknown_admin_paths_are_404(client_at: ClientAt) -> None:
    """/admin, /admin/nothing, /admin/nothing/5 answer 404 with or without the key; routes 401."""
    for what, headers in (("no key", {}), ("a wrong key", {"X-API-Key": "wrong"}),
                          ("the key", {"X-API-Key": KEY})):  # fmt: skip
        async with client_at(headers=headers) as client:
            for method, path in (
                ("GET", "/admin"), ("GET", "/admin/nothing"), ("DELETE", "/admin/nothing/5")
            ):  # fmt: skip
                response = await client.request(method, path)
                if response.status_code != 404:
                    raise fail(
                        f"{call(response)} with {what} → expected 404 (no route has this path), "
                        f"got {response.status_code}"
                    )
    async with client_at() as client:
        refused(await client.get("/admin/audit"), "without X-API-Key")


@pytest.mark.rule("key-first")
async def test_key_checked_before_anything_else(
    client_at: ClientAt, seed_book: SeedBook, same: Same
) -> None:
    """Without the key, admin requests whose path, query or body is invalid too answer 401."""
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", "/admin/books/abc", {"json": {"title": None}}),
        ("PATCH", "/admin/books/0", {"json": {"price_cents": -1}}),
        ("DELETE", "/admin/books/abc", {}),
        ("POST", "/admin/books", {"json": {"isbn": "12", "id": 7}}),
        ("POST", "/admin/prices", {"json": {"changes": []}}),
        ("GET", "/admin/audit", {"params": {"limit": 0, "offset": -1}}),
    ]
    for what, headers in (("without X-API-Key", {}), ("with a wrong key", {"X-API-Key": "no"})):
        async with client_at(headers=headers) as client:
            for method, path, options in requests:
                response = await client.request(method, path, **options)
                sent = f" and {options}" if options else ""
                refused(response, f"{what}{sent}")
    async with client_at() as client:
        await untouched(client, seed_book, same)


@pytest.mark.rule("admin-eur")
async def test_admin_prices_stay_in_euros(
    admin: SpecClient, rates: Fake, book: BookCheck, seed_book: SeedBook, same: Same
) -> None:
    """Admin routes given ?currency=USD answer stored prices in EUR, and never call the rates."""
    response = await admin.patch("/admin/books/2", params={"currency": "USD"}, json={"title": "R"})
    same(response, book(response), {**seed_book(2), "title": "R"}, "the patched book")
    response = await admin.post("/admin/books", params={"currency": "GBP"}, json=NEW)
    same(response, book(response, 201), {"id": 13, **NEW, "currency": "EUR"}, "the new book")
    response = await admin.post(
        "/admin/prices",
        params={"currency": "USD"},
        json={"changes": [{"book_id": 5, "price_cents": 500}]},
    )
    same(response, expect_list(response, 200), [seed_book(5, price=500)], "the changed books")
    expect_status(await admin.delete("/admin/books/4", params={"currency": "CHF"}), 204)
    response = expect_status(await admin.get("/admin/audit", params={"currency": "XXX"}), 200)
    if rates.calls:
        raise fail(
            f"admin requests with ?currency=... → the rates service was called {rates.calls} "
            "time(s), expected none: admin answers show prices as stored, in EUR"
        )


@pytest.mark.rule("commit-before-answer")
async def test_changes_committed_before_the_answer(at_answer: AtAnswer) -> None:
    """When each admin change starts its answer, the database file already holds the change."""

    def prices(rows: list[tuple[Any, ...]]) -> dict[Any, Any]:
        return {row[0]: row[4] for row in rows}

    Rows = list[tuple[Any, ...]]
    checks: list[tuple[str, str, dict[str, Any], Callable[[Rows], bool]]] = [
        ("POST", "/admin/books", {"json": NEW}, lambda rows: NEW["isbn"] in [r[1] for r in rows]),
        ("PATCH", "/admin/books/2", {"json": {"price_cents": 1999}},
         lambda rows: prices(rows).get(2) == 1999),
        ("DELETE", "/admin/books/3", {}, lambda rows: 3 not in prices(rows)),
        ("POST", "/admin/prices", {"json": {"changes": [{"book_id": 4, "price_cents": 7}]}},
         lambda rows: prices(rows).get(4) == 7),
    ]  # fmt: skip
    for method, path, options, holds in checks:
        response, rows = await at_answer(method, path, **options)
        expect_status(response, 201, 200, 204)
        if not holds(rows):
            raise fail(
                f"{call(response)} → answered {response.status_code}, but when the answer started "
                "the database file did not hold the change yet: commit in the endpoint, before it "
                "returns (code after a dependency's yield runs once the answer has been sent)"
            )


@pytest.mark.rule("public-no-key", "health")
async def test_public_routes_need_no_key(client_at: ClientAt) -> None:
    """GET /health, /books, /books/1 answer the same with no key, a wrong key or the right one."""
    answers: dict[str, list[Any]] = {}
    for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": KEY}):
        async with client_at(headers=headers) as client:
            for path in ("/health", "/books", "/books/1", "/books/2?currency=USD"):
                response = await client.get(path)
                expect_status(response, 200)
                answers.setdefault(path, []).append(response.json())
    for path, bodies in answers.items():
        if any(body != bodies[0] for body in bodies):
            raise fail(f"GET {path} answered differently with and without X-API-Key")
    if answers["/health"][0] != {"status": "ok"}:
        raise fail(f'GET /health → expected {{"status": "ok"}}, got {answers["/health"][0]}')


@pytest.mark.rule("create-book", "commit-before-answer")
async def test_concurrent_creates_of_one_isbn(admin: SpecClient, stored: Stored) -> None:
    """10 concurrent POST /admin/books with one ISBN: one 201, nine 409, one row."""
    responses = await asyncio.gather(*(admin.post("/admin/books", json=NEW) for _ in range(10)))
    statuses = sorted(response.status_code for response in responses)
    rows = stored("SELECT COUNT(*) FROM books WHERE isbn = ?", NEW["isbn"])[0][0]
    if statuses != [201] + [409] * 9 or rows != 1:
        raise fail(
            f"10 concurrent POST /admin/books with one ISBN → statuses {statuses} and {rows} "
            "rows with that ISBN; expected one 201, nine 409 and one row"
        )
