"""Task 4: unique SKUs, 409 Conflict."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from grader.kit import SpecClient, call, expect_list, expect_object, expect_status, fail

pytestmark = pytest.mark.task(4)

Create = Callable[..., Awaitable[dict[str, Any]]]

DUPLICATE = {"sku": "LAMP-01", "name": "Lamp", "description": "Another lamp", "price_cents": 1}


async def test_post_duplicate_sku_is_409(client: SpecClient, create: Create) -> None:
    """POST /products answers 409 when another product already has that SKU."""
    await create(sku="LAMP-01")
    r = await client.post("/products", json=DUPLICATE)
    expect_status(r, 409)


async def test_app_works_after_a_post_conflict(client: SpecClient, create: Create) -> None:
    """After a 409 on POST /products, the next requests succeed (the session was rolled back)."""
    first = await create(sku="LAMP-01")
    r = await client.post("/products", json=DUPLICATE)
    expect_status(r, 409)
    second = await create(sku="LAMP-02")
    r = await client.get("/products")
    ids = [item.get("id") for item in expect_list(r) if isinstance(item, dict)]
    expected = [first["id"], second["id"]]
    assert sorted(ids, key=repr) == sorted(expected, key=repr), (
        f"{call(r)} after a 409 → expected ids {expected}, got {ids}"
    )


async def test_patch_to_a_taken_sku_is_409(client: SpecClient, create: Create) -> None:
    """PATCH /products/{id} answers 409 for another product's SKU and changes nothing."""
    await create(sku="LAMP-01")
    mine = await create(sku="LAMP-02")
    path = f"/products/{mine['id']}"
    expect_status(await client.patch(path, json={"sku": "LAMP-01", "name": "Renamed"}), 409)
    r = await client.get(path)
    body = expect_object(r, 200, "sku", "name")
    if (body["sku"], body["name"]) != (mine["sku"], mine["name"]):
        raise fail(
            f"{call(r)} after a 409 → expected the product unchanged, "
            f'got "sku": {body["sku"]!r}, "name": {body["name"]!r}'
        )


async def test_app_works_after_a_patch_conflict(client: SpecClient, create: Create) -> None:
    """After a 409 on PATCH /products/{id}, the next PATCH succeeds (the session rolled back)."""
    await create(sku="LAMP-01")
    mine = await create(sku="LAMP-02")
    path = f"/products/{mine['id']}"
    expect_status(await client.patch(path, json={"sku": "LAMP-01"}), 409)
    r = await client.patch(path, json={"sku": "LAMP-03"})
    body = expect_object(r, 200, "sku")
    assert body["sku"] == "LAMP-03", f'{call(r)} → "sku" should be "LAMP-03", got {body["sku"]!r}'


async def test_patch_keeping_its_own_sku_is_not_a_conflict(
    client: SpecClient, create: Create
) -> None:
    """PATCH /products/{id} that sends the product's own SKU again answers 200, not 409."""
    mine = await create(sku="LAMP-01")
    r = await client.patch(f"/products/{mine['id']}", json={"sku": "LAMP-01", "price_cents": 5})
    body = expect_object(r, 200, "sku", "price_cents")
    assert body["price_cents"] == 5, (
        f'{call(r)} → "price_cents" should be 5, got {body["price_cents"]!r}'
    )
