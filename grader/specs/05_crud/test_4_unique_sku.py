"""Task 4: unique SKUs, 409 Conflict, also under concurrent requests."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, expect_status, fail

pytestmark = pytest.mark.task(4)

Create = Callable[..., Awaitable[dict[str, Any]]]
ExpectProduct = Callable[..., dict[str, Any]]
Interleave = Callable[[], AbstractContextManager[None]]

DUPLICATE = {"sku": "LAMP-01", "name": "Lamp", "description": "Another lamp", "price_cents": 1}


async def expect_listed(client: SpecClient, expected: list[dict[str, Any]], after: str) -> None:
    r = await client.get("/products")
    listed = expect_list(r)
    if listed != expected:
        ids = [item.get("id") if isinstance(item, dict) else item for item in listed]
        raise fail(
            f"{call(r)} after {after} → expected products {[p['id'] for p in expected]} as they "
            f"were, got ids {ids}"
        )


@pytest.mark.rule("post-409")
async def test_post_duplicate_sku_is_409(client: SpecClient, create: Create) -> None:
    """POST /products answers 409 when another product has that SKU, and stores nothing."""
    first = await create(sku="LAMP-01")
    expect_status(await client.post("/products", json=DUPLICATE), 409)
    await expect_listed(client, [first], "a 409")


@pytest.mark.rule("healthy-after-409", "post-409")
async def test_app_works_after_a_post_conflict(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """After a 409 on POST /products, creating, reading and updating succeed (it rolled back)."""
    first = await create(sku="LAMP-01")
    expect_status(await client.post("/products", json=DUPLICATE), 409)
    second = await create(sku="LAMP-02")
    expect_product(await client.get(f"/products/{first['id']}"), 200, first)
    r = await client.patch(f"/products/{first['id']}", json={"price_cents": 7})
    first = expect_product(r, 200, {**first, "price_cents": 7})
    await expect_listed(client, [first, second], "a 409")


@pytest.mark.rule("patch-409")
async def test_patch_to_a_taken_sku_is_409(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """PATCH /products/{id} answers 409 for another product's SKU and changes nothing at all."""
    theirs = await create(sku="LAMP-01")
    mine = await create(sku="LAMP-02")
    path = f"/products/{mine['id']}"
    change = {"name": "Renamed", "sku": "LAMP-01", "price_cents": 1, "description": None}
    expect_status(await client.patch(path, json=change), 409)
    r = await client.get(path)
    expect_product(r, 200, mine, f"{call(r)} after a 409")
    await expect_listed(client, [theirs, mine], "a 409")


@pytest.mark.rule("healthy-after-409", "patch-409")
async def test_app_works_after_a_patch_conflict(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """After a 409 on PATCH /products/{id}, updating, reading and creating succeed."""
    await create(sku="LAMP-01")
    mine = await create(sku="LAMP-02")
    path = f"/products/{mine['id']}"
    expect_status(await client.patch(path, json={"sku": "LAMP-01"}), 409)
    r = await client.patch(path, json={"sku": "LAMP-03"})
    mine = expect_product(r, 200, {**mine, "sku": "LAMP-03"})
    expect_product(await client.get(path), 200, mine)
    await create(sku="LAMP-04")


@pytest.mark.rule("own-sku")
async def test_patch_keeping_its_own_sku_is_not_a_conflict(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """PATCH /products/{id} that sends the product's own SKU again answers 200, not 409."""
    await create(sku="LAMP-00")
    mine = await create(sku="LAMP-01")
    r = await client.patch(f"/products/{mine['id']}", json={"sku": "LAMP-01", "price_cents": 5})
    expect_product(r, 200, {**mine, "price_cents": 5})


@pytest.mark.rule("sku-text")
async def test_sku_is_compared_as_text(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """A SKU with LIKE or regex wildcards (LAMP_01, LAMP-%, LAMP-0.) is no other product's SKU."""
    await create(sku="LAMP-01")
    for sku in ("LAMP_01", "LAMP-%", "LAMP-0."):
        body = {**DUPLICATE, "sku": sku}
        expect_product(await client.post("/products", json=body), 201, body)
    mine = await create(sku="DESK-01")
    r = await client.patch(f"/products/{mine['id']}", json={"sku": "_AMP-01"})
    expect_product(r, 200, {**mine, "sku": "_AMP-01"})


#: Requests sent at once in a race, and rounds of it (a check-then-act loses a few rounds).
RACERS = 5
ROUNDS = 3


def _tally(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


@pytest.mark.rule("concurrent-sku", "post-409")
async def test_concurrent_posts_with_one_sku(client: SpecClient, interleave: Interleave) -> None:
    """POST /products with one new SKU many times at once: exactly one 201, the others 409."""
    with interleave():
        for round_ in range(ROUNDS):
            body = {**DUPLICATE, "sku": f"RACE-{round_}"}
            responses = await asyncio.gather(
                *(client.post("/products", json=body) for _ in range(RACERS))
            )
            tally = _tally(responses)
            if tally != Counter({201: 1, 409: RACERS - 1}):
                raise fail(
                    f"POST /products with one SKU {RACERS} times at once → expected one 201 and "
                    f"{RACERS - 1} 409s, got {dict(sorted(tally.items()))}"
                )
    r = await client.get("/products")
    skus = sorted(str(item.get("sku")) for item in expect_list(r) if isinstance(item, dict))
    assert skus == [f"RACE-{n}" for n in range(ROUNDS)], f"{call(r)} → one product per SKU: {skus}"


@pytest.mark.rule("concurrent-sku", "patch-409")
async def test_concurrent_patches_to_one_sku(
    client: SpecClient, create: Create, interleave: Interleave
) -> None:
    """PATCH several products to one new SKU at once: exactly one 200, the others 409."""
    products = [await create() for _ in range(RACERS)]
    with interleave():
        for round_ in range(ROUNDS):
            change = {"sku": f"RACE-{round_}"}
            responses = await asyncio.gather(
                *(client.patch(f"/products/{p['id']}", json=change) for p in products)
            )
            tally = _tally(responses)
            if tally != Counter({200: 1, 409: RACERS - 1}):
                raise fail(
                    f"PATCH {RACERS} products to one SKU at once → expected one 200 and "
                    f"{RACERS - 1} 409s, got {dict(sorted(tally.items()))}"
                )
            # The winner keeps the SKU; the next round moves it to the next one.
    r = await client.get("/products")
    skus = Counter(str(item.get("sku")) for item in expect_list(r) if isinstance(item, dict))
    twice = sorted(sku for sku, count in skus.items() if count > 1)
    assert not twice, f"{call(r)} → several products share the SKU {twice[0]}"
