"""Fixtures for the products specs: creating products over HTTP and peeking at the database.

The README fixes the `products` table (models.py is given and must not change), so a spec may
read `internal_notes` straight from the SQLite file to check that no client could write it.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import TypeAdapter, ValidationError

from grader.kit import SpecClient, expect_object, fail

if TYPE_CHECKING:
    from grader.specs.conftest import World

#: `await create(name="Desk lamp")`: POST /products with a valid body (fields overridable), expect
#: 201 and return the JSON object.
Create = Callable[..., Awaitable[dict[str, Any]]]

#: `notes(product_id)`: the `internal_notes` column of that row, read from the database file.
StoredNotes = Callable[[int], Any]


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
        return expect_object(response, 201, "id")

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
