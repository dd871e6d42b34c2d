"""Task 5: the audit log, a dependency with yield on the admin router."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, expect_status, fail
from grader.messages import clip

pytestmark = pytest.mark.task(5)

AuditLog = Callable[[], Awaitable[list[dict[str, Any]]]]
Stored = Callable[..., list[tuple[Any, ...]]]
BreakBooks = Callable[[], None]
Returned = Callable[[httpx.Response], None]
ClientAt = Callable[..., SpecClient]
SeedBook = Callable[..., dict[str, Any]]

ENTRY_FIELDS = ("id", "method", "path", "outcome")
NEW = {"isbn": "9785555555555", "title": "Audited", "author": "Gil Ortega", "price_cents": 990}


def shown(entries: list[dict[str, Any]]) -> str:
    return clip(
        ", ".join(f"{e.get('method')} {e.get('path')} {e.get('outcome')}" for e in entries), 300
    )


def work(entries: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]]:
    """The entries that are not the grader's own readings of the log, as (method, path, outcome)."""
    return [
        (entry.get("method"), entry.get("path"), entry.get("outcome"))
        for entry in entries
        if entry.get("path") != "/admin/audit"
    ]


def expect_entries(
    entries: list[dict[str, Any]], expected: list[tuple[str, str, str]], after: str
) -> None:
    for entry in entries:
        missing = [name for name in ENTRY_FIELDS if name not in entry]
        if missing:
            raise fail(f"GET /admin/audit → an entry has no {', '.join(missing)}: {entry}")
    if work(entries) != expected:
        raise fail(
            f"GET /admin/audit after {after} → entries [{shown(entries)}], expected (besides the "
            f"readings of /admin/audit) [{', '.join(' '.join(e) for e in expected)}]: one entry "
            "per admitted request, written once it is over"
        )


@pytest.mark.rule("audit-once", "audit-listing", "audit-outcome")
async def test_every_admitted_request_writes_one_entry(
    admin: SpecClient, audit_log: AuditLog
) -> None:
    """POST, PATCH, DELETE and POST /admin/prices each write exactly one entry, in order."""
    expect_status(await admin.post("/admin/books", json=NEW), 201)
    expect_status(await admin.patch("/admin/books/2", json={"title": "Audit me"}), 200)
    expect_status(await admin.delete("/admin/books/3"), 204)
    expect_status(
        await admin.post("/admin/prices", json={"changes": [{"book_id": 1, "price_cents": 5}]}), 200
    )
    expected = [
        ("POST", "/admin/books", "succeeded"),
        ("PATCH", "/admin/books/2", "succeeded"),
        ("DELETE", "/admin/books/3", "succeeded"),
        ("POST", "/admin/prices", "succeeded"),
    ]
    expect_entries(await audit_log(), expected, "4 admin requests")


@pytest.mark.rule("audit-outcome", "audit-once")
async def test_failures_are_recorded_as_failed(admin: SpecClient, audit_log: AuditLog) -> None:
    """A 404 from get_book, a 409, and 422s (body and path) are each recorded once as failed."""
    expect_status(await admin.patch("/admin/books/99", json={"title": "Ghost"}), 404)
    expect_status(await admin.delete("/admin/books/98"), 404)
    expect_status(await admin.post("/admin/books", json={**NEW, "isbn": "9780000000001"}), 409)
    expect_status(await admin.patch("/admin/books/2", json={"title": None}), 422)
    expect_status(await admin.patch("/admin/books/abc", json={"title": "x"}), 422)
    expect_status(await admin.get("/admin/audit", params={"limit": 0}), 422)
    expected = [
        ("PATCH", "/admin/books/99", "failed"),
        ("DELETE", "/admin/books/98", "failed"),
        ("POST", "/admin/books", "failed"),
        ("PATCH", "/admin/books/2", "failed"),
        ("PATCH", "/admin/books/abc", "failed"),
    ]
    entries = await audit_log()
    expect_entries(entries, expected, "six refused admin requests")
    readings = [e for e in entries if e.get("path") == "/admin/audit"]
    if [e.get("outcome") for e in readings][:1] != ["failed"]:
        raise fail(
            f"GET /admin/audit?limit=0 → 422, so its entry should be failed: [{shown(readings)}]"
        )


@pytest.mark.rule("audit-outcome", "session-closed")
async def test_server_errors_are_recorded_as_failed(
    safe_admin: SpecClient, audit_log: AuditLog, break_books: BreakBooks, returned: Returned
) -> None:
    """A request that raises (500, the books table gone) is recorded as failed."""
    break_books()
    for request in (
        safe_admin.patch("/admin/books/1", json={"title": "Boom"}),
        safe_admin.post("/admin/prices", json={"changes": [{"book_id": 1, "price_cents": 1}]}),
    ):
        response = expect_status(await request, 500)
        returned(response)
    expected = [("PATCH", "/admin/books/1", "failed"), ("POST", "/admin/prices", "failed")]
    expect_entries(await audit_log(), expected, "two requests that raised (500)")


@pytest.mark.rule("audit-no-401")
async def test_refused_requests_write_nothing(
    client_at: ClientAt, admin: SpecClient, audit_log: AuditLog
) -> None:
    """Requests refused for their key (none, wrong, twice) write no entry."""
    for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}):
        async with client_at(headers=headers) as client:
            expect_status(await client.delete("/admin/books/1"), 401)
            expect_status(await client.patch("/admin/books/99", json={"title": "x"}), 401)
            expect_status(await client.get("/admin/audit"), 401)
    expect_status(await admin.patch("/admin/books/2", json={"price_cents": 7}), 200)
    expect_entries(
        await audit_log(), [("PATCH", "/admin/books/2", "succeeded")], "401s and a PATCH"
    )


@pytest.mark.rule("audit-own-transaction", "all-or-nothing")
async def test_entry_survives_the_rollback_and_commits_nothing(
    admin: SpecClient, audit_log: AuditLog, stored: Stored, seed_book: SeedBook
) -> None:
    """A POST /admin/prices that fails halfway changes no price, yet its entry is stored."""
    response = await admin.post(
        "/admin/prices",
        json={"changes": [
            {"book_id": 1, "price_cents": 11}, {"book_id": 2, "price_cents": 22},
            {"book_id": 99, "price_cents": 33},
        ]},
    )  # fmt: skip
    expect_status(response, 404)
    prices = {row[0]: row[1] for row in stored("SELECT id, price_cents FROM books WHERE id < 3")}
    if prices != {1: seed_book(1)["price_cents"], 2: seed_book(2)["price_cents"]}:
        raise fail(
            f"{call(response)} → 404, yet books 1 and 2 now cost {prices}: the audit entry must "
            "be committed in a transaction of its own, never the request's"
        )
    rows = stored("SELECT method, path, outcome FROM audit_entries")
    if [tuple(row) for row in rows] != [("POST", "/admin/prices", "failed")]:
        raise fail(f"{call(response)} → 404; the audit_entries table then holds {rows}")
    expect_entries(await audit_log(), [("POST", "/admin/prices", "failed")], "the refused POST")


@pytest.mark.rule("audit-own-transaction")
async def test_entry_committed_after_a_success(admin: SpecClient, stored: Stored) -> None:
    """After PATCH /admin/books/5 answers 200, both the change and its entry are stored."""
    expect_status(await admin.patch("/admin/books/5", json={"price_cents": 555}), 200)
    expect_status(await admin.patch("/admin/books/5", json={"title": "Twice"}), 200)
    row = stored("SELECT title, price_cents FROM books WHERE id = 5")
    entries = stored("SELECT method, path, outcome FROM audit_entries ORDER BY id")
    expected = [("PATCH", "/admin/books/5", "succeeded")] * 2
    if [tuple(r) for r in row] != [("Twice", 555)] or [tuple(e) for e in entries] != expected:
        raise fail(
            f"two PATCH /admin/books/5 → 200, then the database holds the book {row} and the "
            f"entries {entries}; expected ('Twice', 555) and two succeeded entries"
        )


@pytest.mark.rule("audit-listing", "audit-not-self", "audit-endpoint")
async def test_listing_pages_oldest_first_and_not_itself(admin: SpecClient) -> None:
    """GET /admin/audit lists entries oldest first, never its own; offset and limit page it."""
    for book_id in (1, 2, 3):
        expect_status(
            await admin.patch(f"/admin/books/{book_id}", json={"price_cents": book_id}), 200
        )
    response = await admin.get("/admin/audit")
    body = expect_object(response, 200, "items", "total", "offset", "limit")
    paths = [entry.get("path") for entry in body["items"]]
    expected = [f"/admin/books/{n}" for n in (1, 2, 3)]
    if paths != expected or body["total"] != 3:
        raise fail(
            f"{call(response)} after 3 PATCHes → paths {paths} (total {body['total']}), expected "
            f"{expected} (total 3): oldest first, and never the listing's own entry"
        )
    ids = [entry.get("id") for entry in body["items"]]
    if not all(isinstance(i, int) for i in ids) or ids != sorted(ids) or len(set(ids)) != 3:
        raise fail(f"{call(response)} → ids {ids}: each entry has its own id, oldest first")
    response = await admin.get("/admin/audit", params={"offset": 2, "limit": 2})
    body = expect_object(response, 200, "items", "total")
    paths = [entry.get("path") for entry in body["items"]]
    if paths != ["/admin/books/3", "/admin/audit"] or body["total"] != 4:
        raise fail(
            f"{call(response)} → paths {paths} (total {body['total']}), expected the third PATCH "
            "and the first listing (total 4)"
        )
    outcomes = [entry.get("outcome") for entry in body["items"]]
    if outcomes != ["succeeded", "succeeded"]:
        raise fail(f"{call(response)} → outcomes {outcomes}, expected succeeded twice")


@pytest.mark.rule("audit-once")
async def test_path_has_no_query_string(admin: SpecClient, audit_log: AuditLog) -> None:
    """An entry's path is request.url.path: GET /admin/audit?limit=5 is recorded as /admin/audit."""
    expect_status(await admin.get("/admin/audit", params={"limit": 5, "offset": 0}), 200)
    entries = await audit_log()
    paths = [entry.get("path") for entry in entries]
    if paths[:1] != ["/admin/audit"]:
        raise fail(f"GET /admin/audit?limit=5&offset=0 → then the log's paths are {paths}")


@pytest.mark.rule("audit-once")
async def test_concurrent_requests_each_write_one_entry(
    admin: SpecClient, audit_log: AuditLog
) -> None:
    """10 concurrent PATCH and DELETE requests write 10 entries, one each."""
    requests = [admin.patch(f"/admin/books/{n}", json={"price_cents": n}) for n in range(1, 7)]
    requests += [admin.delete(f"/admin/books/{n}") for n in (7, 8, 99, 98)]
    statuses = [response.status_code for response in await asyncio.gather(*requests)]
    if statuses != [200] * 6 + [204, 204, 404, 404]:
        raise fail(f"10 concurrent admin requests → statuses {statuses}")
    got = sorted(work(await audit_log()))
    expected = sorted(
        [("PATCH", f"/admin/books/{n}", "succeeded") for n in range(1, 7)]
        + [("DELETE", "/admin/books/7", "succeeded"), ("DELETE", "/admin/books/8", "succeeded")]
        + [("DELETE", "/admin/books/99", "failed"), ("DELETE", "/admin/books/98", "failed")]
    )
    if got != expected:
        raise fail(
            f"10 concurrent admin requests → entries {got}, expected one per request: {expected}"
        )
