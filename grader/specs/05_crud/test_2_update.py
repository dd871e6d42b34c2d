"""Task 2: partial updates with PATCH."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from grader.kit import SpecClient, body_excerpt, call, fail

pytestmark = pytest.mark.task(2)

Create = Callable[..., Awaitable[dict[str, Any]]]
ExpectProduct = Callable[..., dict[str, Any]]

LAMP = {"sku": "LAMP-01", "name": "Desk lamp", "description": "Warm light", "price_cents": 2599}
MAX_INTEGER = 2**63 - 1


@pytest.mark.rule("patch-partial", "patch-200", "product-fields")
async def test_patch_changes_only_the_sent_fields(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """PATCH /products/{id} changes each field sent, one at a time, and leaves the others alone."""
    product = await create(**LAMP)
    path = f"/products/{product['id']}"
    for change in (
        {"price_cents": 1999},
        {"name": "Reading lamp"},
        {"sku": "LAMP-02"},
        {"description": "Cold light"},
    ):
        r = await client.patch(path, json=change)
        product = expect_product(r, 200, {**product, **change}, f"{call(r)} with {change}")


@pytest.mark.rule("patch-partial", "patch-200")
async def test_patch_with_every_field_or_none(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """PATCH /products/{id} with every field changes them all; with {} it changes nothing."""
    product = await create(**LAMP)
    path = f"/products/{product['id']}"
    r = await client.patch(path, json={})
    expect_product(r, 200, product, f"{call(r)} with {{}}")
    change = {"sku": "LAMP-9", "name": "Floor lamp", "description": "Tall", "price_cents": 0}
    r = await client.patch(path, json=change)
    expect_product(r, 200, {**product, **change}, f"{call(r)} with every field")


@pytest.mark.rule("patch-persist")
async def test_patch_is_stored(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """PATCH /products/{id} is persisted: a later GET shows the change and the untouched fields."""
    other = await create()
    created = await create(**LAMP)
    path = f"/products/{created['id']}"
    r = await client.patch(path, json={"name": "Reading lamp", "price_cents": 5})
    expect_product(r, 200)
    expect_product(
        await client.get(path), 200, {**created, "name": "Reading lamp", "price_cents": 5}
    )
    expect_product(await client.get(f"/products/{other['id']}"), 200, other)


@pytest.mark.rule("patch-null-description")
async def test_patch_null_clears_description(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """PATCH /products/{id} with "description": null clears the description."""
    created = await create(**LAMP)
    path = f"/products/{created['id']}"
    r = await client.patch(path, json={"description": None})
    expect_product(r, 200, {**created, "description": None})
    expect_product(await client.get(path), 200, {**created, "description": None})


async def expect_unchanged(
    client: SpecClient,
    product: dict[str, Any],
    cases: dict[str, Any],
    expect_product: ExpectProduct,
) -> None:
    """PATCH each body; every one must be a 422, and the product must stay as it was."""
    path = f"/products/{product['id']}"
    for case, body in cases.items():
        r = await client.patch(path, json=body)
        if r.status_code != 422:
            raise fail(
                f"{call(r)} with {case} → expected 422, got {r.status_code}: {body_excerpt(r)}"
            )
    r = await client.get(path)
    expect_product(r, 200, product, f"{call(r)} after rejected PATCHes")


@pytest.mark.rule("patch-null-required", "patch-422")
async def test_patch_null_for_a_required_field_is_422(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """PATCH /products/{id} answers 422 (not 500) when "sku", "name" or "price_cents" is null."""
    created = await create(**LAMP)
    cases: dict[str, Any] = {f'"{name}": null': {name: None} for name in ("name", "sku")}
    cases['"price_cents": null'] = {"price_cents": None}
    cases['"name": "Renamed", "sku": null'] = {"name": "Renamed", "sku": None}
    await expect_unchanged(client, created, cases, expect_product)


@pytest.mark.rule("patch-422", "sku-field", "name-field", "description-field", "price-field")
async def test_patch_enforces_the_limits(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """PATCH /products/{id} answers 422 for any value POST would reject, and changes nothing."""
    created = await create(**LAMP)
    cases: dict[str, Any] = {
        '"price_cents": -1': {"price_cents": -1},
        '"price_cents": 9.99': {"price_cents": 9.99},
        '"price_cents": "cheap"': {"price_cents": "cheap"},
        f'"price_cents": {MAX_INTEGER + 1}': {"price_cents": MAX_INTEGER + 1},
        "an empty name": {"name": ""},
        "a 101-character name": {"name": "x" * 101},
        "an empty sku": {"sku": ""},
        "a 33-character sku": {"sku": "X" * 33},
        "a 1001-character description": {"description": "x" * 1001},
        'a good "name" and "price_cents": -1': {"name": "Renamed", "price_cents": -1},
        "an array": [{"name": "Renamed"}],
    }
    await expect_unchanged(client, created, cases, expect_product)


@pytest.mark.rule("sku-field", "name-field", "description-field", "price-field", "patch-200")
async def test_patch_accepts_values_at_the_limits(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """PATCH /products/{id} accepts every limit itself (32-character sku, price 2⁶³ − 1, …)."""
    created = await create(**LAMP)
    path = f"/products/{created['id']}"
    for change in (
        {"sku": "S" * 32, "name": "N" * 100, "description": "d" * 1000, "price_cents": 0},
        {"sku": "T", "name": "M", "price_cents": MAX_INTEGER},
    ):
        r = await client.patch(path, json=change)
        created = expect_product(r, 200, {**created, **change}, f"{call(r)} at the limits")
        expect_product(await client.get(path), 200, created)


@pytest.mark.rule("patch-404")
async def test_patch_missing_product_is_404(client: SpecClient, create: Create) -> None:
    """PATCH /products/{id} answers 404 for an id no product has, past 64 bits too."""
    created = await create()
    for product_id in (created["id"] + 1000, 0, MAX_INTEGER + 1, "99999999999999999999"):
        r = await client.patch(f"/products/{product_id}", json={"name": "Ghost"})
        if r.status_code != 404:
            raise fail(f"{call(r)} → expected 404, got {r.status_code}: {body_excerpt(r)}")
