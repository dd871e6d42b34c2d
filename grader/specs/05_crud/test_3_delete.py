"""Task 3: delete products."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_list, expect_status, fail

pytestmark = pytest.mark.task(3)

Create = Callable[..., Awaitable[dict[str, Any]]]
ExpectProduct = Callable[..., dict[str, Any]]


@pytest.mark.rule("delete-204")
async def test_delete_answers_204_without_a_body(client: SpecClient, create: Create) -> None:
    """DELETE /products/{id} answers 204 No Content with an empty body."""
    created = await create()
    r = expect_status(await client.delete(f"/products/{created['id']}"), 204)
    assert r.content == b"", f"{call(r)} → a 204 has no body, got {body_excerpt(r)}"


@pytest.mark.rule("delete-gone")
async def test_deleted_product_is_gone(
    client: SpecClient, create: Create, expect_product: ExpectProduct
) -> None:
    """After DELETE /products/{id}, GET, PATCH and DELETE answer 404 and the list drops it only."""
    first, deleted, last = await create(), await create(), await create()
    path = f"/products/{deleted['id']}"
    expect_status(await client.delete(path), 204, 200)
    for r in (
        await client.get(path),
        await client.patch(path, json={"name": "Back again"}),
        await client.delete(path),
    ):
        if r.status_code != 404:
            raise fail(f"{call(r)} after a DELETE → expected 404, got {r.status_code}")
    r = await client.get("/products")
    listed = expect_list(r)
    assert listed == [first, last], (
        f"{call(r)} after a DELETE → expected products {first['id']} and {last['id']} as they "
        f"were, got ids {[item.get('id') for item in listed if isinstance(item, dict)]}"
    )
    expect_product(await client.get(f"/products/{first['id']}"), 200, first)


@pytest.mark.rule("delete-404")
async def test_delete_missing_product_is_404(client: SpecClient, create: Create) -> None:
    """DELETE /products/{id} answers 404 for an id no product has, past 64 bits too."""
    created = await create()
    for product_id in (created["id"] + 1000, 0, 2**63, "99999999999999999999"):
        r = await client.delete(f"/products/{product_id}")
        if r.status_code != 404:
            raise fail(f"{call(r)} → expected 404, got {r.status_code}: {body_excerpt(r)}")
    r = await client.get("/products")
    assert len(expect_list(r)) == 1, f"{call(r)} → a DELETE of another id removed a product"
