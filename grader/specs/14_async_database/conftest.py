"""Fixtures of the async-database exercise: its grading interface (the SQLite file the grader reads,
writes, refuses changes in and locks; the engine whose statements it counts; Alembic run on a
database of the grader's own) and the helpers its specs share.

The app runs on `sqlite+aiosqlite` at `world/app.db`. The grader opens that file with Python's
own `sqlite3`, as another program would: to read balances, to change a row behind the app's back,
to add a trigger that makes SQLite refuse a change, and to hold an exclusive lock while the app
waits. The lock has a watchdog: if the spec has not let it go after LOCK_LIMIT seconds (because
the app blocked the event loop, and with it the spec), the watchdog lets it go and says so. A
correct app never makes it fire, so no pass depends on how fast the machine is.

Helpers are fixtures (spec folders are not packages, so specs cannot import from here); each is
called inside the spec, so a broken app fails the spec rather than erroring its setup.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from grader.kit import SpecClient, body_excerpt, call, expect_object, fail
from grader.loader import LoadedApp

if TYPE_CHECKING:
    from grader.specs.conftest import World

#: The largest integer SQLite stores.
MAX_INTEGER = 2**63 - 1
#: Fields of a customer and of an account in every response.
CUSTOMER_FIELDS = ("id", "name", "version", "accounts")
ACCOUNT_FIELDS = ("id", "customer_id", "balance_cents")
#: Seconds the grader holds the database lock before its watchdog lets it go: only an app that
#: blocks the event loop (and so the spec) ever waits this long; a correct app's request waits
#: only while the spec asks GET /health. Under SQLite's 5-second busy timeout, so that even then
#: the waiting request is answered rather than refused with "database is locked".
LOCK_LIMIT = 4.0
#: How many times the spec asks GET /health while the database is locked.
PROBES = 20


@pytest.fixture
def app_env(world: World) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite+aiosqlite:///{(world.root / 'app.db').as_posix()}"}


def check_account(body: Any, where: str, expected: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fail unless `body` is an account with its three fields holding the expected values."""
    if not isinstance(body, dict):
        raise fail(f"{where} → expected an account (a JSON object), got {body!r}")
    missing = [name for name in ACCOUNT_FIELDS if name not in body]
    if missing:
        raise fail(f"{where} → the account has no {', '.join(missing)}: {body!r}")
    for name, value in (expected or {}).items():
        if body[name] != value:
            raise fail(f'{where} → the account\'s "{name}" should be {value!r}, got {body[name]!r}')
    account: dict[str, Any] = body
    return account


def check_customer(body: Any, where: str, expected: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fail unless `body` is a customer (its accounts included) holding the expected values."""
    if not isinstance(body, dict):
        raise fail(f"{where} → expected a customer (a JSON object), got {body!r}")
    missing = [name for name in CUSTOMER_FIELDS if name not in body]
    if missing:
        raise fail(f"{where} → the customer has no {', '.join(missing)}: {body!r}")
    if not isinstance(body["accounts"], list):
        raise fail(f'{where} → "accounts" should be an array, got {body["accounts"]!r}')
    for account in body["accounts"]:
        check_account(account, where)
    for name, value in (expected or {}).items():
        if body[name] != value:
            raise fail(
                f'{where} → the customer\'s "{name}" should be {value!r}, got {body[name]!r}'
            )
    customer: dict[str, Any] = body
    return customer


#: `expect_customer(response, 200, {"name": "Ada"})`: fail unless the response has that status
#: and is a customer with the expected values; return it. `expect_account` likewise.
Expect = Callable[..., dict[str, Any]]


@pytest.fixture
def expect_customer() -> Expect:
    def expect(
        r: httpx.Response, status: int, expected: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return check_customer(expect_object(r, status, *CUSTOMER_FIELDS), call(r), expected)

    return expect


@pytest.fixture
def expect_account() -> Expect:
    def expect(
        r: httpx.Response, status: int, expected: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return check_account(expect_object(r, status, *ACCOUNT_FIELDS), call(r), expected)

    return expect


#: `await new_customer("Ada", 1000, 250)`: POST a customer, then an account for each opening
#: balance given (each checked); return the customer with those accounts.
NewCustomer = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def new_customer(client: SpecClient) -> NewCustomer:
    async def new_customer(name: str, *balances: int) -> dict[str, Any]:
        r = await client.post("/customers", json={"name": name})
        customer = check_customer(expect_object(r, 201, *CUSTOMER_FIELDS), call(r), {"name": name})
        accounts = []
        for balance in balances:
            r = await client.post(
                f"/customers/{customer['id']}/accounts", json={"balance_cents": balance}
            )
            accounts.append(
                check_account(
                    expect_object(r, 201, *ACCOUNT_FIELDS),
                    call(r),
                    {"customer_id": customer["id"], "balance_cents": balance},
                )
            )
        return {**customer, "accounts": accounts}

    return new_customer


# --- the database file, as another program sees it --------------------------------------------
class Database:
    """The app's SQLite file, opened by the grader with Python's sqlite3."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=5.0, isolation_level=None)

    def query(self, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        try:
            with closing(self._connect()) as connection:
                return connection.execute(sql, parameters).fetchall()
        except sqlite3.Error as error:
            raise fail(
                f"could not run {sql!r} on the database ({error}): database.py and models.py "
                "must stay as given"
            ) from None

    def execute(self, sql: str, *parameters: Any) -> int:
        try:
            with closing(self._connect()) as connection:
                return connection.execute(sql, parameters).rowcount
        except sqlite3.Error as error:
            raise fail(
                f"could not run {sql!r} on the database ({error}): database.py and models.py "
                "must stay as given"
            ) from None

    def balances(self) -> dict[int, int]:
        """Every account's balance_cents, by id."""
        return {row[0]: row[1] for row in self.query("SELECT id, balance_cents FROM accounts")}

    def refuse(self, account_id: int) -> None:
        """From now on, SQLite refuses every change of that account's balance (IntegrityError)."""
        self.execute(
            f"CREATE TRIGGER kata_refuse_{account_id} BEFORE UPDATE OF balance_cents ON accounts "
            f"WHEN OLD.id = {int(account_id)} OR NEW.id = {int(account_id)} "
            "BEGIN SELECT RAISE(ABORT, 'this account is frozen'); END"
        )

    @contextmanager
    def locked(self) -> Iterator[Lock]:
        """Hold an exclusive lock on the file inside the block (the watchdog may let it go)."""
        connection = sqlite3.connect(
            self.path, timeout=5.0, isolation_level=None, check_same_thread=False
        )
        lock = Lock(connection)
        try:
            connection.execute("BEGIN EXCLUSIVE")
        except sqlite3.Error as error:
            connection.close()
            raise fail(f"could not lock the database ({error})") from None
        watchdog = threading.Thread(target=lock.watch, daemon=True)
        watchdog.start()
        try:
            yield lock
        finally:
            lock.let_go()
            watchdog.join()
            connection.close()


@dataclass
class Lock:
    """An exclusive lock on the database, and whether the watchdog had to let it go."""

    connection: sqlite3.Connection
    released: threading.Event = field(default_factory=threading.Event)
    forced: bool = False
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def let_go(self) -> None:
        with self._guard:
            if not self.released.is_set():
                self.connection.execute("ROLLBACK")
                self.released.set()

    def watch(self) -> None:
        if not self.released.wait(LOCK_LIMIT):
            with self._guard:
                if not self.released.is_set():
                    self.forced = True
                    self.connection.execute("ROLLBACK")
                    self.released.set()


@pytest.fixture
def database(world: World) -> Database:
    return Database(world.root / "app.db")


# --- the engine's statements -------------------------------------------------------------------
#: `with statements() as sent: ...`: the SQL statements the app sent through the given engine
#: inside the block, in order.
Statements = Callable[[], AbstractContextManager[list[str]]]


def the_engine(loaded: LoadedApp) -> AsyncEngine:
    engine = getattr(sys.modules.get("database"), "engine", None)
    if not isinstance(engine, AsyncEngine):
        engine = getattr(loaded.module, "engine", None)
    if not isinstance(engine, AsyncEngine):
        raise fail(
            "database.py has no async `engine`: it is given, and the grader counts the "
            "statements sent through it"
        )
    return engine


@pytest.fixture
def statements(loaded: LoadedApp) -> Statements:
    @contextmanager
    def statements() -> Iterator[list[str]]:
        engine = the_engine(loaded).sync_engine
        sent: list[str] = []

        def record(*args: Any, **kwargs: Any) -> None:
            sent.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield sent
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return statements


# --- many requests at once ------------------------------------------------------------------
#: `await at_once(client.post("/transfers", json=...), ...)`: the responses, in order; fails if
#: any request raised inside the app.
AtOnce = Callable[..., Awaitable[list[httpx.Response]]]


@pytest.fixture
def at_once() -> AtOnce:
    async def at_once(*requests: Awaitable[httpx.Response]) -> list[httpx.Response]:
        results = await asyncio.gather(*requests, return_exceptions=True)
        responses: list[httpx.Response] = []
        for result in results:
            if isinstance(result, BaseException):
                raise fail(
                    f"{len(results)} requests at the same time → one of them failed: {result}"
                )
            responses.append(result)
        return responses

    return at_once


def statuses(responses: list[httpx.Response]) -> str:
    """`200, 409, 409`: the statuses of concurrent responses, for messages."""
    return ", ".join(str(r.status_code) for r in responses)


@pytest.fixture
def describe() -> Callable[[list[httpx.Response]], str]:
    def describe(responses: list[httpx.Response]) -> str:
        failed = [r for r in responses if r.status_code >= 500]
        detail = f" (a {failed[0].status_code}: {body_excerpt(failed[0])})" if failed else ""
        return statuses(responses) + detail

    return describe
