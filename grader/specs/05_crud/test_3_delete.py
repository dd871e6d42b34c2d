"""Task 3: delete products."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from grader.kit import SpecClient, body_excerpt, call, expect_list, expect_status

pytestmark = pytest.mark.task(3)

Create = Callable[..., Awaitable[dict[str, Any]]]


async def test_delete_answers_204_without_a_body(client: SpecClient, create: Create) -> None:
    """DELETE /products/{id} answers 204 No Content with an empty body."""
    created = await create()
    r = expect_status(await client.delete(f"/products/{created['id']}"), 204)
    assert r.content == b"", f"{call(r)} → a 204 has no body, got {body_excerpt(r)}"


async def test_deleted_product_is_gone(client: SpecClient, create: Create) -> None:
    """After DELETE /products/{id}, GET answers 404 and the list no longer has it."""
    kept, deleted = await create(), await create()
    expect_status(await client.delete(f"/products/{deleted['id']}"), 204, 200)
    expect_status(await client.get(f"/products/{deleted['id']}"), 404)
    r = await client.get("/products")
    ids = [item.get("id") for item in expect_list(r) if isinstance(item, dict)]
    assert ids == [kept["id"]], f"{call(r)} after a DELETE → expected ids {[kept['id']]}, got {ids}"


async def test_delete_missing_product_is_404(client: SpecClient, create: Create) -> None:
    """DELETE /products/{id} answers 404 for an id that does not exist, or no longer does."""
    created = await create()
    expect_status(await client.delete(f"/products/{created['id'] + 1000}"), 404)
    path = f"/products/{created['id']}"
    expect_status(await client.delete(path), 204, 200)
    r = await client.delete(path)
    assert r.status_code == 404, f"{call(r)} a second time → expected 404, got {r.status_code}"
