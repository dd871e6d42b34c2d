"""Task 5: server-owned and internal fields."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, expect_no_fields, expect_object, fail

pytestmark = pytest.mark.task(5)

Create = Callable[..., Awaitable[dict[str, Any]]]
CreatedAt = Callable[[dict[str, Any], str], datetime]
ExpectProduct = Callable[..., dict[str, Any]]
StoredNotes = Callable[[int], Any]
PlantNotes = Callable[[int, str], None]

LAMP = {"sku": "LAMP-01", "name": "Desk lamp", "description": "Warm light", "price_cents": 2599}
#: What an attacker adds to a body, hoping the server takes it.
FORGED = {"id": 999, "created_at": "2000-01-01T00:00:00Z", "internal_notes": "forged"}
INTERNAL = {"internal_notes"}
#: What the back office writes into `internal_notes`: no response may carry it.
SECRET = "Supplier owes us 40 units; margin 61%"


def expect_hidden(r: httpx.Response) -> None:
    """Fail if the response shows `internal_notes`: its name, or the back office's text."""
    if SECRET in r.text:
        raise fail(f"{call(r)} → the response shows the internal notes ({SECRET!r})")
    # Its name, as a key or anywhere in a text (a database error's message quotes the column).
    if "internal_notes" in r.text:
        raise fail(f'{call(r)} → the response names "internal_notes": {r.text[:200]}')
    if r.content and r.headers.get("content-type", "").startswith("application/json"):
        expect_no_fields(r, r.json(), INTERNAL)


@pytest.mark.rule("ignore-server-fields", "server-id")
async def test_post_ignores_client_id_and_created_at(
    client: SpecClient, create: Create, created_at: CreatedAt, expect_product: ExpectProduct
) -> None:
    """POST /products answers 201 and ignores a client's "id" and "created_at": the server's win."""
    first = await create()
    before = datetime.now(timezone.utc)
    r = await client.post("/products", json={**LAMP, **FORGED})
    body = expect_product(r, 201, LAMP)
    assert body["id"] != FORGED["id"], f'{call(r)} with "id": 999 → the server must pick the id'
    moment = created_at(body, call(r))
    assert moment >= before - timedelta(seconds=2), (
        f'{call(r)} with "created_at" in 2000 → the server must set it, got {body["created_at"]}'
    )
    r = await client.get(f"/products/{FORGED['id']}")
    assert r.status_code == 404, f"{call(r)} → a client picked the id: expected 404, got 200"
    # A client may also name an id that exists; the server still picks a new one.
    r = await client.post("/products", json={**LAMP, "sku": "LAMP-02", "id": first["id"]})
    body = expect_product(r, 201)
    assert body["id"] not in (first["id"], FORGED["id"]), (
        f'{call(r)} with the "id" of product {first["id"]} → the server must pick a new id'
    )
    expect_product(await client.get(f"/products/{first['id']}"), 200, first)


@pytest.mark.rule("ignore-server-fields", "internal-kept", "given-files", "database-url")
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


@pytest.mark.rule("ignore-server-fields", "internal-kept", "created-at-kept")
async def test_patch_ignores_server_owned_fields(
    client: SpecClient,
    create: Create,
    created_at: CreatedAt,
    expect_product: ExpectProduct,
    stored_notes: StoredNotes,
    plant_notes: PlantNotes,
) -> None:
    """PATCH /products/{id} ignores "id", "created_at" and "internal_notes" sent by a client."""
    other = await create()
    created = await create(**LAMP)
    plant_notes(created["id"], SECRET)
    path = f"/products/{created['id']}"
    for forged_id in (FORGED["id"], other["id"]):
        body = {**FORGED, "id": forged_id, "name": "Reading lamp"}
        r = await client.patch(path, json=body)
        got = expect_product(r, 200, {"name": "Reading lamp"}, f"{call(r)} with {FORGED}")
        assert got["id"] == created["id"], (
            f'{call(r)} with "id": {forged_id} → "id" must stay {created["id"]}, got {got["id"]!r}'
        )
        before, after = created_at(created, "POST /products"), created_at(got, call(r))
        assert after == before, (
            f'{call(r)} with "created_at" in 2000 → "created_at" must not change'
        )
        stored = stored_notes(created["id"])
        assert stored == SECRET, (
            f'{call(r)} with "internal_notes" → the column must keep its value, got {stored!r}'
        )
    expect_product(await client.get(f"/products/{other['id']}"), 200, other)
    r = await client.get(f"/products/{FORGED['id']}")
    assert r.status_code == 404, f"{call(r)} → a client changed the id: expected 404"


@pytest.mark.rule("internal-kept", "patch-partial")
async def test_patch_keeps_internal_notes(
    client: SpecClient, create: Create, stored_notes: StoredNotes, plant_notes: PlantNotes
) -> None:
    """PATCH /products/{id} leaves the back office's "internal_notes" as they were."""
    created = await create(**LAMP)
    plant_notes(created["id"], SECRET)
    for change in ({"description": None}, LAMP):
        r = await client.patch(f"/products/{created['id']}", json=change)
        expect_object(r, 200)
        stored = stored_notes(created["id"])
        assert stored == SECRET, (
            f"{call(r)} with {change} → internal_notes must keep its value, got {stored!r}"
        )


@pytest.mark.rule("internal-hidden", "never-internal")
async def test_post_response_hides_internal_fields(client: SpecClient) -> None:
    """POST /products never shows "internal_notes" in its response."""
    r = await client.post("/products", json={**LAMP, **FORGED})
    expect_object(r, 201)
    expect_hidden(r)


@pytest.mark.rule("internal-hidden", "never-internal")
async def test_get_responses_hide_internal_fields(
    client: SpecClient, create: Create, plant_notes: PlantNotes
) -> None:
    """GET /products/{id} and GET /products never show "internal_notes", name or value."""
    created = await create()
    plant_notes(created["id"], SECRET)
    r = await client.get(f"/products/{created['id']}")
    expect_object(r, 200)
    expect_hidden(r)
    r = await client.get("/products")
    expect_list(r)
    expect_hidden(r)


@pytest.mark.rule("internal-hidden", "never-internal")
async def test_patch_response_hides_internal_fields(
    client: SpecClient, create: Create, plant_notes: PlantNotes
) -> None:
    """PATCH /products/{id} never shows "internal_notes", name or value."""
    created = await create()
    plant_notes(created["id"], SECRET)
    r = await client.patch(f"/products/{created['id']}", json={"name": "Renamed"})
    expect_object(r, 200)
    expect_hidden(r)


@pytest.mark.rule("internal-hidden", "never-internal")
async def test_error_responses_hide_internal_fields(
    client: SpecClient, create: Create, plant_notes: PlantNotes
) -> None:
    """A 409 or a 422 never shows the internal notes of the product it is about."""
    taken = await create(sku="LAMP-01")
    mine = await create(sku="LAMP-02")
    for product in (taken, mine):
        plant_notes(product["id"], SECRET)
    for r in (
        await client.post("/products", json={**LAMP, "sku": "LAMP-01"}),
        await client.patch(f"/products/{mine['id']}", json={"sku": "LAMP-01"}),
        await client.patch(f"/products/{mine['id']}", json={"price_cents": -1}),
    ):
        if r.status_code < 400:
            raise fail(f"{call(r)} → expected an error (409 or 422), got {r.status_code}")
        expect_hidden(r)
