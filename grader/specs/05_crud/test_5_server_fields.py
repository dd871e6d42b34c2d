"""Task 5: server-owned and internal fields."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from grader.kit import (
    SpecClient,
    call,
    expect_list,
    expect_no_fields,
    expect_object,
    expect_status,
)

pytestmark = pytest.mark.task(5)

Create = Callable[..., Awaitable[dict[str, Any]]]
CreatedAt = Callable[[dict[str, Any], str], datetime]
StoredNotes = Callable[[int], Any]

LAMP = {"sku": "LAMP-01", "name": "Desk lamp", "description": "Warm light", "price_cents": 2599}
#: What an attacker adds to a body, hoping the server takes it.
FORGED = {"id": 999, "created_at": "2000-01-01T00:00:00Z", "internal_notes": "forged"}
INTERNAL = {"internal_notes"}


async def test_post_ignores_client_id_and_created_at(
    client: SpecClient, created_at: CreatedAt
) -> None:
    """POST /products answers 201 and ignores a client's "id" and "created_at": the server's win."""
    r = await client.post("/products", json={**LAMP, **FORGED})
    body = expect_object(r, 201, "id", "created_at")
    assert body["id"] != FORGED["id"], f'{call(r)} with "id": 999 → the server must pick the id'
    moment = created_at(body, call(r))
    assert abs(datetime.now(timezone.utc) - moment) < timedelta(days=1), (
        f'{call(r)} with "created_at" in 2000 → the server must set it, got {body["created_at"]}'
    )
    r = await client.get(f"/products/{FORGED['id']}")
    assert r.status_code == 404, f"{call(r)} → a client picked the id: expected 404, got 200"


async def test_post_cannot_write_internal_notes(
    client: SpecClient, stored_notes: StoredNotes
) -> None:
    """POST /products ignores "internal_notes" sent by a client: the column keeps its default."""
    r = await client.post("/products", json={**LAMP, **FORGED})
    body = expect_object(r, 201, "id")
    stored = stored_notes(body["id"])
    assert stored != FORGED["internal_notes"], (
        f'{call(r)} with "internal_notes" → the client wrote the internal column ({stored!r})'
    )


async def test_patch_ignores_server_owned_fields(
    client: SpecClient, create: Create, created_at: CreatedAt, stored_notes: StoredNotes
) -> None:
    """PATCH /products/{id} ignores "id", "created_at" and "internal_notes" sent by a client."""
    created = await create(**LAMP)
    r = await client.patch(f"/products/{created['id']}", json={**FORGED, "name": "Reading lamp"})
    body = expect_object(r, 200, "id", "name", "created_at")
    assert body["name"] == "Reading lamp", f'{call(r)} → "name" should change to "Reading lamp"'
    assert body["id"] == created["id"], f'{call(r)} with "id": 999 → "id" must stay {created["id"]}'
    before, after = created_at(created, "POST /products"), created_at(body, call(r))
    assert after == before, f'{call(r)} with "created_at" in 2000 → "created_at" must not change'
    stored = stored_notes(created["id"])
    assert stored != FORGED["internal_notes"], (
        f'{call(r)} with "internal_notes" → the client wrote the internal column ({stored!r})'
    )
    expect_status(await client.get(f"/products/{FORGED['id']}"), 404)


async def test_post_response_hides_internal_fields(client: SpecClient) -> None:
    """POST /products never shows "internal_notes" in its response."""
    r = await client.post("/products", json=LAMP)
    expect_no_fields(r, expect_object(r, 201), INTERNAL)


async def test_get_responses_hide_internal_fields(client: SpecClient, create: Create) -> None:
    """GET /products/{id} and GET /products never show "internal_notes"."""
    created = await create()
    r = await client.get(f"/products/{created['id']}")
    expect_no_fields(r, expect_object(r, 200), INTERNAL)
    r = await client.get("/products")
    expect_no_fields(r, expect_list(r), INTERNAL)


async def test_patch_response_hides_internal_fields(client: SpecClient, create: Create) -> None:
    """PATCH /products/{id} never shows "internal_notes" in its response."""
    created = await create()
    r = await client.patch(f"/products/{created['id']}", json={"name": "Renamed"})
    expect_no_fields(r, expect_object(r, 200), INTERNAL)
