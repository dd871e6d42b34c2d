"""Task 4: no endpoint blocks the event loop while it waits for the database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from grader.kit import SpecClient, body_excerpt, call, fail

pytestmark = pytest.mark.task(4)

NewCustomer = Callable[..., Awaitable[dict[str, Any]]]

#: How many times GET /health is asked while the database is locked (as in conftest.PROBES).
PROBES = 20

#: Each endpoint: (method, path, body, status), with {c} a customer's id and {a}, {b} accounts'.
ENDPOINTS = {
    "POST /customers": ("POST", "/customers", {"name": "Cy"}, 201),
    "GET /customers": ("GET", "/customers", None, 200),
    "GET /customers/{id}": ("GET", "/customers/{c}", None, 200),
    "POST /customers/{id}/accounts": ("POST", "/customers/{c}/accounts", {"balance_cents": 5}, 201),
    "GET /accounts/{id}": ("GET", "/accounts/{a}", None, 200),
    "POST /transfers": (
        "POST",
        "/transfers",
        {"from_account_id": "{a}", "to_account_id": "{b}", "amount_cents": 10},
        200,
    ),
    "PATCH /customers/{id}": ("PATCH", "/customers/{c}", {"name": "Ada L", "version": 1}, 200),
}


def fill(value: Any, names: dict[str, int]) -> Any:
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    if isinstance(value, str) and value in ("{a}", "{b}", "{c}"):
        return names[value[1]]
    return value.format(**names) if isinstance(value, str) else value


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.rule("loop-free", "engine")
async def test_a_request_waiting_for_the_database_blocks_no_other(
    client: SpecClient, new_customer: NewCustomer, database: Any, endpoint: str
) -> None:
    """While a request waits for the locked database, GET /health is still answered."""
    ada = await new_customer("Ada", 1000, 2000)
    names = {"c": ada["id"], "a": ada["accounts"][0]["id"], "b": ada["accounts"][1]["id"]}
    method, path, payload, status = ENDPOINTS[endpoint]
    path = fill(path, names)
    payload = fill(payload, names)
    with database.locked() as lock:
        waiting = asyncio.ensure_future(client.request(method, path, json=payload))
        for _ in range(PROBES):
            probe = await client.get("/health")
            if probe.status_code != 200:
                raise fail(f"{call(probe)} → expected 200, got {probe.status_code}")
            await asyncio.sleep(0)
    if lock.forced:
        waiting.cancel()
        raise fail(
            f"{method} {path} while another program held the database locked → the app "
            "answered nothing else, not even GET /health, until the lock was let go: a "
            "blocking database call on the event loop (await every call, through the given "
            "engine)"
        )
    r = await waiting
    if r.status_code != status:
        raise fail(
            f"{call(r)} once the database lock was let go → expected {status}, "
            f"got {r.status_code}: {body_excerpt(r)}"
        )
