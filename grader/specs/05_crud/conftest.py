"""Fixtures for the products specs: creating products over HTTP, the back office's access to the
database, and concurrent requests that interleave.

The README fixes the `products` table (models.py is given and must not change), so a spec may
read and write `internal_notes` straight in the SQLite file, as the back office would, to check
that no client can write or read it. It also fixes the `engine` (database.py), whose events a
spec may listen to, to make the threads of concurrent requests switch around every statement.
"""

from __future__ import annotations

import itertools
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractContextManager, closing, contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine, event

from grader.kit import SpecClient, call, expect_object, fail, thread_switches
from grader.loader import LoadedApp

if TYPE_CHECKING:
    from grader.specs.conftest import World

#: `await create(name="Desk lamp")`: POST /products with a valid body (fields overridable), expect
#: 201 and return the JSON object.
Create = Callable[..., Awaitable[dict[str, Any]]]

#: `notes(product_id)`: the `internal_notes` column of that row, read from the database file.
StoredNotes = Callable[[int], Any]

#: `plant_notes(product_id, text)`: write the `internal_notes` column of that row, as the back
#: office would, straight into the database file.
PlantNotes = Callable[[int, str], None]

#: `async with interleave():` frequent thread switches, and a switch around every SQL statement
#: of the app's engine, so that concurrent requests interleave as under real load.
Interleave = Callable[[], AbstractContextManager[None]]


#: The public fields of a product: every response shows exactly these.
FIELDS = ("id", "sku", "name", "description", "price_cents", "created_at")

#: `expect_product(response, 200, {"name": "Lamp"})`: fail unless the response has that status
#: and is a product with exactly the public fields, holding the expected values; return it.
ExpectProduct = Callable[..., dict[str, Any]]


def _expect_product(
    r: httpx.Response, status: int, expected: Mapping[str, Any] | None = None, what: str = ""
) -> dict[str, Any]:
    where = what or call(r)
    body = expect_object(r, status, *FIELDS)
    return check_product(body, where, expected)


def check_product(
    body: Any, where: str, expected: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Fail unless `body` is a product with exactly the public fields and the expected values."""
    if not isinstance(body, dict):
        raise fail(f"{where} → expected a product (a JSON object), got {body!r}")
    extra = sorted(set(body) - set(FIELDS))
    if extra:
        raise fail(f"{where} → a product has exactly {', '.join(FIELDS)}; got also {extra}")
    missing = [name for name in FIELDS if name not in body]
    if missing:
        raise fail(f"{where} → the product has no {', '.join(missing)}: {body!r}")
    product: dict[str, Any] = body
    for name, value in (expected or {}).items():
        if product[name] != value:
            raise fail(f'{where} → "{name}" should be {value!r}, got {product[name]!r}')
    return product


@pytest.fixture
def expect_product() -> ExpectProduct:
    return _expect_product


@pytest.fixture
def create(client: SpecClient) -> Create:
    numbers = itertools.count(1)

    async def create(**fields: Any) -> dict[str, Any]:
        n = next(numbers)
        body = {
            "sku": f"SKU-{n:04d}",
            "name": f"Product {n}",
            "description": f"The product number {n}",
            "price_cents": 100 * n + 99,
            **fields,
        }
        response = await client.post("/products", json=body)
        return check_product(expect_object(response, 201, "id"), call(response), body)

    return create


@pytest.fixture
def stored_notes(world: World) -> StoredNotes:
    database = world.root / "app.db"

    def notes(product_id: int) -> Any:
        try:
            with closing(sqlite3.connect(database)) as connection:
                row = connection.execute(
                    "SELECT internal_notes FROM products WHERE id = ?", (product_id,)
                ).fetchone()
        except sqlite3.Error as error:
            raise fail(
                f"could not read products.internal_notes from the database ({error}): "
                "models.py and database.py must stay as given"
            ) from None
        if row is None:
            raise fail(f"the products table has no row with id {product_id}")
        return row[0]

    return notes


@pytest.fixture
def plant_notes(world: World) -> PlantNotes:
    database = world.root / "app.db"

    def plant(product_id: int, text: str) -> None:
        try:
            with closing(sqlite3.connect(database)) as connection, connection:
                done = connection.execute(
                    "UPDATE products SET internal_notes = ? WHERE id = ?", (text, product_id)
                ).rowcount
        except sqlite3.Error as error:
            raise fail(
                f"could not write products.internal_notes in the database ({error}): "
                "models.py and database.py must stay as given"
            ) from None
        if done != 1:
            raise fail(f"the products table has no row with id {product_id}")

    return plant


@pytest.fixture
def interleave(loaded: LoadedApp) -> Interleave:
    # The engine of database.py (given): main.py imports it for the lifespan.
    engine = getattr(loaded.module, "engine", None)
    if not isinstance(engine, Engine):
        engine = getattr(sys.modules.get("database"), "engine", None)

    @contextmanager
    def interleave() -> Iterator[None]:
        hooked = isinstance(engine, Engine)
        if hooked:
            event.listen(engine, "before_cursor_execute", _let_others_run)
            event.listen(engine, "after_cursor_execute", _let_others_run)
        try:
            with thread_switches():
                yield
        finally:
            if hooked:
                event.remove(engine, "before_cursor_execute", _let_others_run)
                event.remove(engine, "after_cursor_execute", _let_others_run)

    return interleave


def _let_others_run(*args: Any, **kwargs: Any) -> None:
    time.sleep(0)  # no wait: it releases the GIL so that another thread runs now


#: `created_at(body, "POST /products")`: the body's `created_at` as an aware datetime (naive
#: values are taken as UTC); fails unless it is an ISO 8601 date and time.
CreatedAt = Callable[[dict[str, Any], str], datetime]

_DATETIME = TypeAdapter(datetime)


@pytest.fixture
def created_at() -> CreatedAt:
    return _created_at


def _created_at(body: dict[str, Any], what: str) -> datetime:
    value = body.get("created_at")
    if not isinstance(value, str) or "T" not in value:
        raise fail(f'{what} → "created_at" should be an ISO 8601 datetime, got {value!r}')
    try:
        moment = _DATETIME.validate_python(value)
    except ValidationError:
        raise fail(f'{what} → "created_at" should be an ISO 8601 datetime, got {value!r}') from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
