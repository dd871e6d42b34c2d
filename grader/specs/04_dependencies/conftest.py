"""Fixtures of the dependencies exercise: its grading interface (the rates hook, the database
watch, the admin key) and the checks its specs share.

Every app starts with ADMIN_API_KEY set to `ADMIN_KEY` and RATES_URL empty; a spec marked
`@pytest.mark.env(ADMIN_API_KEY="")` gets other values. Before the app starts, `watch` listens to
SQLAlchemy's events on every pool and every session, and the app's `get_rates_service` is replaced
by `rates`, a fake the spec controls.

Helpers are fixtures that return functions (spec folders are not packages, so specs cannot import
from here); each is called inside the spec, so a broken app fails the spec rather than erroring
its setup.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import closing, suppress
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from grader.kit import (
    BASE_URL,
    CLIENT_ADDRESS,
    SpecClient,
    body_excerpt,
    call,
    expect_object,
    fail,
    started,
)
from grader.loader import LoadedApp
from grader.messages import clip

if TYPE_CHECKING:
    from grader.specs.conftest import World

#: The admin key every app is started with (ADMIN_API_KEY), 32 characters.
ADMIN_KEY = "kata-4dm1n-7f3b9c2e5a8d1f6b0c4e9"
ADMIN = {"X-API-Key": ADMIN_KEY}
#: The fake's rates unless a spec sets others: none of them is a rate of FIXED_RATES.
DEFAULT_RATES = {"USD": "1.25", "GBP": "0.80", "CHF": "0.90"}
#: The fixed rates of the given rates.py, which the app's own service answers with.
FIXED_RATES = {"USD": "1.08", "GBP": "0.85", "CHF": "0.94", "SEK": "11.50"}
#: `stored(sql, *args)`: rows read straight from the app's database file.
Stored = Callable[..., list[tuple[Any, ...]]]
#: The columns of the books table, as `at_answer` reads them.
BOOK_COLUMNS = "id, isbn, title, author, price_cents"
#: The fields of a book, as every response shows it.
BOOK_FIELDS = ("id", "isbn", "title", "author", "price_cents", "currency")
#: The seed catalogue: id → (isbn, title, author, price in euro cents).
SEED = {
    1: ("9780000000001", "The Pragmatic Pythonista", "Ada Quill", 3999),
    2: ("9780000000002", "Async All the Way Down", "Ben Okafor", 4550),
    3: ("9780000000003", "Types at Work", "Ada Quill", 2999),
    4: ("9780000000004", "The SQL Field Guide", "Chen Liu", 3650),
    5: ("9780000000005", "Dependency Injection by Hand", "Dora Weiss", 2750),
    6: ("9780000000006", "100% Test Coverage", "Ben Okafor", 1999),
    7: ("9780000000007", "snake_case Forever", "Eli Marsh", 1250),
    8: ("9780000000008", "HTTP for Humans", "Chen Liu", 3299),
    9: ("9780000000009", "The Pydantic Cookbook", "Dora Weiss", 4299),
    10: ("9780000000010", "Clean APIs", "Ada Quill", 3500),
    11: ("9780000000011", "Queues and Workers", "Eli Marsh", 2890),
    12: ("9780000000012", "Serving Python", "Ben Okafor", 5000),
}
#: Yields of the event loop a held call of the fake waits for the others, at most.
GATE_YIELDS = 2000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "env(**variables): extra environment variables the spec's app is started with"
    )


@pytest.fixture
def app_env(request: pytest.FixtureRequest) -> dict[str, str]:
    marker = request.node.get_closest_marker("env")
    return {"ADMIN_API_KEY": ADMIN_KEY, "RATES_URL": "", **(marker.kwargs if marker else {})}


# --- the database watch ---------------------------------------------------------------------
class DatabaseWatch:
    """What the grader sees of the app's database through SQLAlchemy's events (README)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: DBAPI connections opened and closed by any pool.
        self.opened = 0
        self.closed = 0
        #: The connections taken from a pool and not given back yet, by pool record.
        self._out: dict[int, Any] = {}
        #: Every session that began a transaction, in order; kept alive so that the garbage
        #: collector never gives a connection back for the app, and identities stay unique.
        self.sessions: list[Session] = []

    def listen(self) -> None:
        event.listen(Pool, "connect", self._connect)
        event.listen(Pool, "close", self._close)
        event.listen(Pool, "checkout", self._checkout)
        event.listen(Pool, "checkin", self._checkin)
        event.listen(Session, "after_begin", self._begin)

    def stop(self) -> None:
        event.remove(Pool, "connect", self._connect)
        event.remove(Pool, "close", self._close)
        event.remove(Pool, "checkout", self._checkout)
        event.remove(Pool, "checkin", self._checkin)
        event.remove(Session, "after_begin", self._begin)

    def _connect(self, dbapi_connection: Any, record: Any) -> None:
        with self._lock:
            self.opened += 1
        # No waiting for the disk on commits (README): a spec's database is thrown away after it,
        # and the start of every app (tables, seed) and every write get faster.
        with suppress(Exception):
            dbapi_connection.execute("PRAGMA synchronous=OFF")

    def _close(self, dbapi_connection: Any, record: Any) -> None:
        with self._lock:
            self.closed += 1

    def _checkout(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        with self._lock:
            self._out[id(record)] = proxy

    def _checkin(self, dbapi_connection: Any, record: Any) -> None:
        with self._lock:
            self._out.pop(id(record), None)

    def _begin(self, session: Session, transaction: Any, connection: Any) -> None:
        with self._lock:
            self.sessions.append(session)

    @property
    def checked_out(self) -> int:
        """How many connections are out of their pool right now."""
        with self._lock:
            return len(self._out)

    def mark(self) -> int:
        """A point in the list of sessions, for `begun_since`."""
        with self._lock:
            return len(self.sessions)

    def begun_since(self, mark: int) -> list[Session]:
        """The distinct sessions that began a transaction since `mark`, in order."""
        with self._lock:
            found: list[Session] = []
            for session in self.sessions[mark:]:
                if not any(session is seen for seen in found):
                    found.append(session)
            return found


@pytest.fixture
def watch() -> Iterator[DatabaseWatch]:
    watch = DatabaseWatch()
    watch.listen()
    try:
        yield watch
    finally:
        watch.stop()


#: `returned(response)`: fail unless every connection the app took is back in its pool.
Returned = Callable[[httpx.Response], None]


@pytest.fixture
def returned(watch: DatabaseWatch) -> Returned:
    def returned(response: httpx.Response) -> None:
        out = watch.checked_out
        if out:
            raise fail(
                f"{call(response)} → answered {response.status_code}, and afterwards "
                f"{out} database connection{'s' if out > 1 else ''} still out of the pool: "
                "the request's session was not closed"
            )

    return returned


# --- the rates hook -------------------------------------------------------------------------
class FakeRates:
    """What the grader puts in place of the app's exchange-rate service (README)."""

    def __init__(self, rates: dict[str, str] | None = None) -> None:
        self.rates = {code: Decimal(value) for code, value in (rates or DEFAULT_RATES).items()}
        self.calls = 0
        self.error: BaseException | None = None
        #: When set, call k answers `sequence[k - 1]` (for concurrent specs).
        self.sequence: list[dict[str, Decimal]] | None = None
        #: When set, each call waits until this many calls have arrived.
        self.hold = 0

    def set(self, rates: dict[str, str]) -> None:
        self.rates = {code: Decimal(value) for code, value in rates.items()}

    async def latest(self) -> dict[str, Decimal]:
        self.calls += 1
        number = self.calls
        for _ in range(GATE_YIELDS if self.hold else 0):
            if self.calls >= self.hold:
                break
            await asyncio.sleep(0)
        if self.error is not None:
            raise self.error
        if self.sequence is not None:
            return dict(self.sequence[(number - 1) % len(self.sequence)])
        return dict(self.rates)


@pytest.fixture
def rates() -> FakeRates:
    return FakeRates()


@pytest.fixture
def app_module(loaded: LoadedApp) -> Callable[[str], ModuleType]:
    """`app_module("rates")`: one of the app's own modules, as the app imported it."""

    def module(name: str) -> ModuleType:
        try:
            return importlib.import_module(name)
        except ImportError:
            raise fail(f"{name}.py is missing: it is given (README, grading interface)") from None

    return module


class RatesHook:
    """The override of `dependencies.get_rates_service`, which a spec may change or remove."""

    def __init__(self, loaded: LoadedApp, original: Callable[..., Any]) -> None:
        self.app = loaded.app
        self.original = original

    def serve(self, fake: FakeRates) -> None:
        self.app.dependency_overrides[self.original] = lambda: fake

    def remove(self) -> None:
        self.app.dependency_overrides.pop(self.original, None)


@pytest.fixture
def hook(loaded: LoadedApp, app_module: Callable[[str], ModuleType], rates: FakeRates) -> RatesHook:
    original = getattr(app_module("dependencies"), "get_rates_service", None)
    if original is None:
        raise fail(
            "dependencies.py defines no get_rates_service: the grader replaces it "
            "(README, grading interface)"
        )
    hook = RatesHook(loaded, original)
    hook.serve(rates)
    return hook


@pytest.fixture
def unavailable(app_module: Callable[[str], ModuleType]) -> Callable[[], BaseException]:
    """`unavailable()`: a `RatesUnavailable` of the app's own rates.py."""

    def make() -> BaseException:
        error_class = getattr(app_module("rates"), "RatesUnavailable", None)
        if error_class is None:
            raise fail("rates.py defines no RatesUnavailable: rates.py is given")
        error: BaseException = error_class("the grader's provider is down")
        return error

    return make


# --- the app and its clients ----------------------------------------------------------------
@pytest.fixture
async def running(
    app: Any, exercise_dir: Path, watch: DatabaseWatch, hook: RatesHook
) -> AsyncIterator[Any]:
    """The app, started with the watch listening and the fake rates service in place."""
    async with started(app, folder=exercise_dir) as running:
        yield running


@pytest.fixture
async def admin(client_at: Callable[..., SpecClient]) -> AsyncIterator[SpecClient]:
    """A client that sends the admin key."""
    async with client_at(headers=ADMIN) as client:
        yield client


def _safe_client(running: Any, folder: Path, headers: dict[str, str] | None) -> SpecClient:
    # An exception that escapes the app is answered 500, as a server would, instead of raised.
    transport = httpx.ASGITransport(app=running, client=CLIENT_ADDRESS, raise_app_exceptions=False)
    return SpecClient(folder=folder, transport=transport, base_url=BASE_URL, headers=headers)


@pytest.fixture
async def safe(running: Any, exercise_dir: Path) -> AsyncIterator[SpecClient]:
    """A client (no key) that gets a 500 where the app raises."""
    async with _safe_client(running, exercise_dir, None) as client:
        yield client


@pytest.fixture
async def safe_admin(running: Any, exercise_dir: Path) -> AsyncIterator[SpecClient]:
    """A client with the admin key that gets a 500 where the app raises."""
    async with _safe_client(running, exercise_dir, ADMIN) as client:
        yield client


#: `await at_answer(method, path, **options)`: the admin client's response, and the rows of the
#: books table (id, isbn, title, author, price_cents) as the database file held them at the moment
#: the app started sending that response (README, "the moment of the answer").
AtAnswer = Callable[..., Awaitable[tuple[httpx.Response, list[tuple[Any, ...]]]]]


@pytest.fixture
def at_answer(running: Any, exercise_dir: Path, stored: Stored) -> AtAnswer:
    async def at_answer(
        method: str, path: str, **options: Any
    ) -> tuple[httpx.Response, list[tuple[Any, ...]]]:
        seen: list[list[tuple[Any, ...]]] = []

        async def watched_app(scope: Any, receive: Any, send: Any) -> None:
            async def watched_send(message: Any) -> None:
                # The status line and headers go first: whatever the app commits after this point
                # (in a dependency's cleanup, say) is committed after the client has its answer.
                if message["type"] == "http.response.start" and not seen:
                    seen.append(stored(f"SELECT {BOOK_COLUMNS} FROM books ORDER BY id"))
                await send(message)

            await running(scope, receive, watched_send)

        transport = httpx.ASGITransport(app=watched_app, client=CLIENT_ADDRESS)
        async with SpecClient(
            folder=exercise_dir, transport=transport, base_url=BASE_URL, headers=ADMIN
        ) as client:
            response = await client.request(method, path, **options)
        return response, seen[0] if seen else []

    return at_answer


# --- checks ---------------------------------------------------------------------------------
#: `book(response, status)`: the body as a book (all its fields); fails otherwise.
BookCheck = Callable[..., dict[str, Any]]


def check_book(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    body = expect_object(response, status, *BOOK_FIELDS)
    extra = sorted(set(body) - set(BOOK_FIELDS))
    if extra:
        raise fail(f"{call(response)} → a book has exactly {', '.join(BOOK_FIELDS)}; got {extra}")
    return body


@pytest.fixture
def book() -> BookCheck:
    return check_book


#: `seed_book(id, currency="EUR", price=None)`: the JSON of a seed book as the API shows it.
SeedBook = Callable[..., dict[str, Any]]


@pytest.fixture
def seed_book() -> SeedBook:
    def seed_book(book_id: int, currency: str = "EUR", price: int | None = None) -> dict[str, Any]:
        isbn, title, author, cents = SEED[book_id]
        return {
            "id": book_id,
            "isbn": isbn,
            "title": title,
            "author": author,
            "price_cents": cents if price is None else price,
            "currency": currency,
        }

    return seed_book


#: `same(response, got, expected, what)`: fail unless equal, saying what differs.
Same = Callable[[httpx.Response, Any, Any, str], None]


@pytest.fixture
def same() -> Same:
    def same(response: httpx.Response, got: Any, expected: Any, what: str) -> None:
        if got != expected:
            raise fail(
                f"{call(response)} → {what} should be {clip(json.dumps(expected), 200)}, "
                f"got {clip(json.dumps(got), 200)}"
            )

    return same


#: `await audit_log()`: every audit entry, read through GET /admin/audit (which writes one more).
AuditLog = Callable[[], Awaitable[list[dict[str, Any]]]]


@pytest.fixture
def audit_log(admin: SpecClient) -> AuditLog:
    async def audit_log() -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        while True:
            response = await admin.get("/admin/audit", params={"offset": len(entries), "limit": 50})
            page = expect_object(response, 200, "items", "total")
            items = page["items"]
            if not isinstance(items, list):
                raise fail(f'{call(response)} → "items" should be a list: {body_excerpt(response)}')
            entries += items
            if not items or len(entries) >= page["total"]:
                return entries

    return audit_log


#: `break_books()`: rename the books table behind the app's back, so reading books raises.
BreakBooks = Callable[[], None]


@pytest.fixture
def break_books(world: World) -> BreakBooks:
    def break_books() -> None:
        database = world.root / "app.db"
        with closing(sqlite3.connect(database)) as connection:
            connection.execute("ALTER TABLE books RENAME TO books_gone")
            connection.commit()

    return break_books


@pytest.fixture
def stored(world: World) -> Stored:
    def stored(sql: str, *args: Any) -> list[tuple[Any, ...]]:
        try:
            with closing(sqlite3.connect(world.root / "app.db")) as connection:
                return list(connection.execute(sql, args).fetchall())
        except sqlite3.Error as error:
            raise fail(
                f"could not read the database file at DATABASE_URL ({error}): the app must keep "
                "its data there, in the tables of the given database.py"
            ) from None

    return stored
