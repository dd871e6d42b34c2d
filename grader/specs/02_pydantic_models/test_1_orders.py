"""Task 1: place and read orders."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, expect_object, expect_status, fail

pytestmark = pytest.mark.task(1)

Loc = tuple[str | int, ...]
NewOrder = Callable[..., dict[str, Any]]
Place = Callable[..., Awaitable[dict[str, Any]]]
Problems = Callable[[httpx.Response, set[Loc], str], None]
FieldCheck = Callable[..., Awaitable[None]]

#: The address and items of an order, as every response shows them.
ADDRESS_OUT = {"line2": None, "city": "London", "postalCode": "NW1 6XE", "countryCode": "GB"}


def same(what: str, name: str, got: Any, expected: Any) -> None:
    if got != expected:
        raise fail(f"{what} → {name} should be {expected!r}, got {got!r}")


@pytest.mark.rule("post-201", "as-stored")
async def test_post_answers_201_with_the_order(client: SpecClient, new_order: NewOrder) -> None:
    """POST /orders answers 201 with the order sent, its new id and "status": "received"."""
    body = new_order()
    r = await client.post("/orders", json=body)
    order = expect_object(r, 201, "id", "status", "email", "shippingAddress", "items")
    what = call(r)
    if not isinstance(order["id"], int) or isinstance(order["id"], bool):
        raise fail(f'{what} → "id" should be an integer, got {order["id"]!r}')
    same(what, '"status"', order["status"], "received")
    same(what, '"email"', order["email"], body["email"])
    same(what, '"shippingAddress"', order["shippingAddress"], body["shippingAddress"])
    same(what, '"discountPercent"', order.get("discountPercent"), 10)
    items = order["items"]
    got = [(i.get("sku"), i.get("quantity")) for i in items] if isinstance(items, list) else items
    same(what, "the items' sku and quantity", got, [(f"BOOK-{1:04d}", 2), ("MUG-1", 1)])


@pytest.mark.rule("same-everywhere", "get-one")
async def test_get_shows_the_order_as_posted(
    client: SpecClient, new_order: NewOrder, place: Place
) -> None:
    """GET /orders/{order_id} answers 200 with the order exactly as POST /orders answered it."""
    placed = [await place(new_order()) for _ in range(2)]
    for order in placed:
        r = await client.get(f"/orders/{order['id']}")
        got = expect_object(r, 200)
        if got != order:
            raise fail(f"{call(r)} → expected the order as POST answered it: {order}, got {got}")


@pytest.mark.rule("get-one")
async def test_get_missing_order_is_404(
    client: SpecClient, new_order: NewOrder, place: Place
) -> None:
    """GET /orders/{order_id} answers 404 for an id no order has, even past 64 bits."""
    order = await place(new_order())
    for order_id in (order["id"] + 1000, 0, -1, 2**64):
        expect_status(await client.get(f"/orders/{order_id}"), 404)


@pytest.mark.rule("get-one")
async def test_get_non_integer_id_is_422(
    client: SpecClient, new_order: NewOrder, place: Place
) -> None:
    """GET /orders/{order_id} answers 422 when the id is not an integer."""
    await place(new_order())
    for order_id in ("abc", "1.5", "one"):
        expect_status(await client.get(f"/orders/{order_id}"), 422)


@pytest.mark.rule("list", "same-everywhere")
async def test_list_shows_every_order_by_id(
    client: SpecClient, new_order: NewOrder, place: Place
) -> None:
    """GET /orders answers [] at first, then every order as POST answered it, by id."""
    r = await client.get("/orders")
    if expect_list(r) != []:
        raise fail(f"{call(r)} before any order → expected [], got {r.text[:160]}")
    placed = [await place(new_order()) for _ in range(3)]
    r = await client.get("/orders")
    listed = expect_list(r)
    expected = sorted(placed, key=lambda order: order["id"])
    if listed != expected:
        ids = [o.get("id") if isinstance(o, dict) else o for o in listed]
        raise fail(
            f"{call(r)} after 3 orders → expected them as POST answered them, by id "
            f"{[o['id'] for o in expected]}; got ids {ids}"
            + (" (same ids, other fields differ)" if ids == [o["id"] for o in expected] else "")
        )


@pytest.mark.rule("rejected-stores-nothing")
async def test_rejected_orders_are_not_stored(
    client: SpecClient, new_order: NewOrder, place: Place
) -> None:
    """A POST /orders answered 422 stores nothing: GET /orders does not list it."""
    first = await place(new_order())
    bad = new_order()
    bad["items"][1]["quantity"] = 0
    for body in (bad, new_order(email="nobody"), new_order(payment={"type": "cash"})):
        expect_status(await client.post("/orders", json=body), 422)
    r = await client.get("/orders")
    listed = expect_list(r)
    if listed != [first]:
        raise fail(
            f"{call(r)} after 1 order and 3 rejected POSTs → expected 1 order, got {len(listed)}"
        )


@pytest.mark.rule("concurrent-ids")
async def test_concurrent_orders_get_their_own_ids(client: SpecClient, new_order: NewOrder) -> None:
    """Twenty POST /orders at once: twenty 201s, twenty different ids, twenty orders listed."""
    bodies = [new_order() for _ in range(20)]
    responses = await asyncio.gather(*(client.post("/orders", json=body) for body in bodies))
    ids = [expect_object(r, 201, "id")["id"] for r in responses]
    if len(set(ids)) != 20:
        raise fail(f"20 concurrent POST /orders → expected 20 different ids, got {sorted(ids)}")
    r = await client.get("/orders")
    listed = expect_list(r)
    if len(listed) != 20:
        raise fail(f"{call(r)} after 20 concurrent orders → expected 20, got {len(listed)}")


@pytest.mark.rule("field-email")
async def test_email_rules(field_check: FieldCheck) -> None:
    """POST /orders: email has one @ between non-empty parts, no whitespace, <= 254 characters."""
    at_most = "a" * (254 - len("@example.com")) + "@example.com"
    await field_check(
        ("email",),
        valid=[at_most, "a@b", "ada.lovelace+shop@example.co.uk"],
        invalid=[
            "x" + at_most,
            "ada.example.com",
            "ada@",
            "@example.com",
            "ada@@example.com",
            "ada@exa@mple.com",
            "ada lovelace@example.com",
            "ada@example.com\n",
            "",
            None,
            42,
            ...,
        ],
    )


@pytest.mark.rule("field-shipping-address")
async def test_shipping_address_is_required(
    client: SpecClient, new_order: NewOrder, problems: Problems, field_check: FieldCheck
) -> None:
    """POST /orders: shippingAddress is a required object; {} lacks its four required fields."""
    await field_check(("shippingAddress",), invalid=[..., None, "12 Analytical Row", [], 7])
    r = await client.post("/orders", json=new_order(shippingAddress={}))
    required = ("line1", "city", "postalCode", "countryCode")
    problems(
        r, {("body", "shippingAddress", name) for name in required}, "with shippingAddress = {}"
    )


@pytest.mark.rule("field-items")
async def test_items_count(field_check: FieldCheck, new_order: NewOrder) -> None:
    """POST /orders: items is a required array of 1 to 20 items."""

    def items(count: int) -> list[dict[str, Any]]:
        return [{"sku": f"SKU-{n:03d}", "quantity": 1, "unitPrice": "1"} for n in range(count)]

    await field_check(("items",), valid=[items(1), items(20)])
    await field_check(("items",), invalid=[items(21), [], ..., None, {}, "BOOK-0001"])


@pytest.mark.rule("duplicate-sku", "field-items")
async def test_duplicate_sku_is_a_problem_of_the_list(
    client: SpecClient, new_order: NewOrder, problems: Problems, place: Place
) -> None:
    """Two items with the same sku: 422 at ["body", "items"]; skus that differ only in part pass."""
    body = new_order()
    body["items"].append({"sku": body["items"][0]["sku"], "quantity": 5, "unitPrice": "1"})
    r = await client.post("/orders", json=body)
    problems(r, {("body", "items")}, "with two items of sku " + body["items"][0]["sku"])
    body = new_order()
    body["items"] = [
        {"sku": "CUP-1", "quantity": 1, "unitPrice": "1"},
        {"sku": "CUP-12", "quantity": 1, "unitPrice": "1"},
        {"sku": "CUP-1-2", "quantity": 1, "unitPrice": "1"},
    ]
    await place(body, "with items of skus CUP-1, CUP-12 and CUP-1-2")


@pytest.mark.rule("field-discount")
async def test_discount_percent_rules(
    field_check: FieldCheck, new_order: NewOrder, place: Place
) -> None:
    """POST /orders: discountPercent is an integer from 0 to 100, 0 when left out."""
    body = new_order()
    del body["discountPercent"]
    order = await place(body, "without discountPercent")
    if order.get("discountPercent") != 0:
        raise fail(
            'POST /orders without discountPercent → expected "discountPercent": 0, '
            f"got {order.get('discountPercent')!r}"
        )
    await field_check(
        ("discountPercent",),
        valid=[0, 100, 37],
        invalid=[-1, 101, 12.5, "ten", None, 2**64, 10**30, [10]],
    )


@pytest.mark.rule("field-delivery-window", "field-payment")
async def test_delivery_window_and_payment_are_required(field_check: FieldCheck) -> None:
    """POST /orders: deliveryWindow and payment are required objects."""
    await field_check(("deliveryWindow",), invalid=[..., None, "tomorrow", []])
    await field_check(("payment",), invalid=[..., None, "card", []])


@pytest.mark.rule("address-line1")
async def test_address_line1(field_check: FieldCheck) -> None:
    """POST /orders: shippingAddress.line1 is required, 1 to 100 characters."""
    await field_check(
        ("shippingAddress", "line1"),
        valid=["x", "x" * 100],
        invalid=["", "x" * 101, ..., None, 12],
    )


@pytest.mark.rule("address-line2")
async def test_address_line2(field_check: FieldCheck, new_order: NewOrder, place: Place) -> None:
    """POST /orders: shippingAddress.line2 is null when left out, else 1 to 100 characters."""
    body = new_order()
    del body["shippingAddress"]["line2"]
    order = await place(body, "without shippingAddress.line2")
    address = order.get("shippingAddress")
    if not isinstance(address, dict) or "line2" not in address or address["line2"] is not None:
        raise fail(
            'POST /orders without shippingAddress.line2 → expected "line2": null in the '
            f"answer's shippingAddress, got {address!r}"
        )
    await field_check(
        ("shippingAddress", "line2"),
        valid=[None, "F", "Flat 2", "y" * 100],
        invalid=["", "y" * 101, 12, ["Flat 2"]],
    )


@pytest.mark.rule("address-city")
async def test_address_city(field_check: FieldCheck) -> None:
    """POST /orders: shippingAddress.city is required, 1 to 60 characters."""
    await field_check(
        ("shippingAddress", "city"), valid=["X", "Ur", "c" * 60], invalid=["", "c" * 61, ..., None]
    )


@pytest.mark.rule("address-postal-code")
async def test_address_postal_code(field_check: FieldCheck) -> None:
    """POST /orders: shippingAddress.postalCode is required, 1 to 12 characters."""
    await field_check(
        ("shippingAddress", "postalCode"),
        valid=["0", "1" * 12],
        invalid=["", "1" * 13, ..., None, 75001],
    )


@pytest.mark.rule("address-country-code")
async def test_address_country_code(field_check: FieldCheck) -> None:
    """POST /orders: shippingAddress.countryCode is exactly two capital letters A-Z."""
    await field_check(
        ("shippingAddress", "countryCode"),
        valid=["FR", "ZA"],
        invalid=["gb", "Gb", "G", "GBR", "G1", "ÉS", "GB\n", " GB", "", ..., None],
    )


@pytest.mark.rule("item-sku")
async def test_item_sku(field_check: FieldCheck) -> None:
    """POST /orders: an item's sku is 3 to 20 of A-Z, 0-9 and -; the 422 names its index."""
    await field_check(
        ("items", 1, "sku"),
        valid=["ABC", "A" * 20, "9-9", "---"],
        invalid=[
            "AB",
            "A" * 21,
            "book-1",
            "BOOK_1",
            "BOOK 1",
            "BOOK-1\n",
            "BOOK-1x",
            "ÀBC",
            "ＡＢＣ",
            "",
            ...,
            None,
            123,
        ],
    )


@pytest.mark.rule("item-quantity")
async def test_item_quantity(field_check: FieldCheck) -> None:
    """POST /orders: an item's quantity is an integer from 1 to 1000, even past 64 bits."""
    await field_check(
        ("items", 1, "quantity"),
        valid=[1, 1000],
        invalid=[0, 1001, -1, 2**64, -(2**64), 10**30, 1.5, "many", None, ...],
    )


@pytest.mark.rule("item-unit-price")
async def test_item_unit_price_bounds(field_check: FieldCheck) -> None:
    """POST /orders: an item's unitPrice is more than 0 and at most 10000."""
    await field_check(
        ("items", 1, "unitPrice"),
        valid=["0.01", "10000", "10000.00", "9999.99"],
        invalid=["0", "0.00", "10000.01", "10001", "99999999999999999999999", ..., None],
    )


@pytest.mark.rule("loc-exact", "validation-body")
async def test_every_problem_is_located(
    client: SpecClient, new_order: NewOrder, problems: Problems
) -> None:
    """A body with four problems answers a 422 whose entries point at exactly those four."""
    body = new_order(email="ada")
    body["shippingAddress"]["city"] = ""
    body["items"] = [
        {"sku": "CUP-1", "quantity": 0, "unitPrice": "1"},
        {"sku": "CUP-2", "quantity": 1, "unitPrice": "1"},
        {"sku": "cup-3", "quantity": 1, "unitPrice": "1"},
    ]
    r = await client.post("/orders", json=body)
    expected: set[Loc] = {
        ("body", "email"),
        ("body", "shippingAddress", "city"),
        ("body", "items", 0, "quantity"),
        ("body", "items", 2, "sku"),
    }
    problems(r, expected, "with four problems (email, city, items[0].quantity, items[2].sku)")


@pytest.mark.rule("never-500")
async def test_no_body_is_a_server_error(
    client: SpecClient, new_order: NewOrder, place: Place
) -> None:
    """Bodies of every wrong shape answer 422, never 500."""
    await place(new_order())
    body = new_order()
    cases: dict[str, Any] = {
        "a JSON array": [body],
        "a JSON string": "order",
        "null": None,
        "a number": 42,
        "an empty object": {},
        "items holding null": {**body, "items": [None]},
        "items holding numbers": {**body, "items": [1, 2]},
        "an item that is a string": {**body, "items": ["BOOK-0001"]},
        "an empty item": {**body, "items": [{}]},
        "every field null": dict.fromkeys(body),
        "shippingAddress with every field null": {
            **body,
            "shippingAddress": dict.fromkeys(body["shippingAddress"]),
        },
        "an item with every field null": {**body, "items": [dict.fromkeys(body["items"][0])]},
        "quantity past 64 bits": {**body, "items": [{**body["items"][0], "quantity": 2**70}]},
        "a nested object for email": {**body, "email": {"address": "ada@example.com"}},
    }
    for case, sent in cases.items():
        r = await client.post("/orders", json=sent)
        if r.status_code != 422:
            raise fail(f"{call(r)} with {case} → expected 422, got {r.status_code}: {r.text[:160]}")
    r = await client.post(
        "/orders", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    if r.status_code != 422:
        raise fail(f"{call(r)} with broken JSON → expected 422, got {r.status_code}")
