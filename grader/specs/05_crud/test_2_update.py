"""Task 2: partial updates with PATCH."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from grader.kit import SpecClient, call, expect_object, expect_status, fail

pytestmark = pytest.mark.task(2)

Create = Callable[..., Awaitable[dict[str, Any]]]

LAMP = {"sku": "LAMP-01", "name": "Desk lamp", "description": "Warm light", "price_cents": 2599}


def same_product(what: str, got: dict[str, Any], expected: dict[str, Any]) -> None:
    """Fail unless `got` has every field of `expected` with the same value."""
    for name, value in expected.items():
        if got.get(name) != value:
            raise fail(f'{what} → "{name}" should be {value!r}, got {got.get(name)!r}')


async def test_patch_changes_only_the_sent_fields(client: SpecClient, create: Create) -> None:
    """PATCH /products/{id} changes the fields sent and leaves every omitted field as it was."""
    created = await create(**LAMP)
    r = await client.patch(f"/products/{created['id']}", json={"price_cents": 1999})
    body = expect_object(r, 200, "id", "sku", "name", "description", "price_cents")
    same_product(call(r), body, {**created, "price_cents": 1999})


async def test_patch_is_stored(client: SpecClient, create: Create) -> None:
    """PATCH /products/{id} is persisted: a later GET shows the change and the untouched fields."""
    created = await create(**LAMP)
    path = f"/products/{created['id']}"
    expect_status(await client.patch(path, json={"name": "Reading lamp"}), 200)
    r = await client.get(path)
    same_product(call(r), expect_object(r, 200), {**created, "name": "Reading lamp"})


async def test_patch_null_clears_description(client: SpecClient, create: Create) -> None:
    """PATCH /products/{id} with "description": null clears the description."""
    created = await create(**LAMP)
    path = f"/products/{created['id']}"
    r = await client.patch(path, json={"description": None})
    same_product(call(r), expect_object(r, 200), {**created, "description": None})
    r = await client.get(path)
    same_product(call(r), expect_object(r, 200), {**created, "description": None})


async def test_patch_null_for_a_required_field_is_422(client: SpecClient, create: Create) -> None:
    """PATCH /products/{id} answers 422 (not 500) when "sku", "name" or "price_cents" is null."""
    created = await create(**LAMP)
    path = f"/products/{created['id']}"
    for field in ("name", "sku", "price_cents"):
        r = await client.patch(path, json={field: None})
        assert r.status_code == 422, (
            f'{call(r)} with {{"{field}": null}} → expected 422, got {r.status_code}'
        )
    r = await client.get(path)
    same_product(f"{call(r)} after rejected PATCHes", expect_object(r, 200), created)


async def test_patch_enforces_the_limits(client: SpecClient, create: Create) -> None:
    """PATCH /products/{id} answers 422 for values POST would reject, and changes nothing."""
    created = await create(**LAMP)
    path = f"/products/{created['id']}"
    cases: dict[str, dict[str, Any]] = {
        '"price_cents": -1': {"price_cents": -1},
        "an empty name": {"name": ""},
        "a 33-character sku": {"sku": "X" * 33},
        '"price_cents": "cheap"': {"price_cents": "cheap"},
    }
    for case, body in cases.items():
        r = await client.patch(path, json=body)
        assert r.status_code == 422, f"{call(r)} with {case} → expected 422, got {r.status_code}"
    r = await client.get(path)
    same_product(f"{call(r)} after rejected PATCHes", expect_object(r, 200), created)


async def test_patch_missing_product_is_404(client: SpecClient, create: Create) -> None:
    """PATCH /products/{id} answers 404 for an id that does not exist."""
    created = await create()
    r = await client.patch(f"/products/{created['id'] + 1000}", json={"name": "Ghost"})
    expect_status(r, 404)
