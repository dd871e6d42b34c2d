"""Task 2: camelCase, strict and public."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, expect_object, expect_status, fail

pytestmark = pytest.mark.task(2)

Loc = tuple[str | int, ...]
NewOrder = Callable[..., dict[str, Any]]
Place = Callable[..., Awaitable[dict[str, Any]]]
Problems = Callable[[httpx.Response, set[Loc], str], None]
PublicShape = Callable[[httpx.Response, Any], None]

#: The snake_case names of the JSON fields that have one.
SNAKE = {
    "shippingAddress": "shipping_address",
    "postalCode": "postal_code",
    "countryCode": "country_code",
    "unitPrice": "unit_price",
    "discountPercent": "discount_percent",
    "deliveryWindow": "delivery_window",
    "cardNumber": "card_number",
    "expiryMonth": "expiry_month",
    "expiryYear": "expiry_year",
    "createdAt": "created_at",
    "lineTotal": "line_total",
}
#: What no response may name, whatever the spelling.
FORBIDDEN_KEYS = {
    "riskScore",
    "risk_score",
    "token",
    "cardNumber",
    "card_number",
    "cvc",
    "iban",
    "code",
    "expiryMonth",
    "expiry_month",
    "expiryYear",
    "expiry_year",
}
CARD = "4000 0566 5566 5556"
IBAN = "GB82WEST12345698765432"
GIFT_CODE = "GIFT2030XMAS7788"


def snake_case(node: Any) -> Any:
    """`node` with every JSON name that has a snake_case spelling written that way."""
    if isinstance(node, dict):
        return {SNAKE.get(key, key): snake_case(value) for key, value in node.items()}
    if isinstance(node, list):
        return [snake_case(item) for item in node]
    return node


def without_id(order: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in order.items() if key != "id"}


@pytest.mark.rule("snake-case-in")
async def test_snake_case_names_are_accepted_at_every_level(
    client: SpecClient, new_order: NewOrder, place: Place
) -> None:
    """An order sent in snake_case at every level is the same order as in camelCase."""
    body = new_order()
    camel = await place(body, "in camelCase")
    snake = snake_case({**body, "email": "snake@example.com"})
    r = await client.post("/orders", json=snake)
    got = expect_object(r, 201, "id")
    expected = {**without_id(camel), "email": "snake@example.com"}
    if without_id(got) != expected:
        raise fail(
            f"{call(r)} with every field in snake_case (shipping_address.postal_code, "
            f"items[].unit_price, payment.card_number, ...) → expected the same order as in "
            f"camelCase, {json.dumps(expected)[:200]}..., got {r.text[:200]}..."
        )
    mixed = {**body, "email": "mixed@example.com"}
    mixed["items"][0] = {"sku": "MIX-1", "quantity": 3, "unit_price": "8"}
    mixed["payment"] = {
        "type": "card",
        "card_number": "4242424242424242",
        "expiryMonth": 1,
        "expiry_year": 2030,
        "cvc": "321",
    }
    await place(mixed, "with camelCase and snake_case names mixed")


@pytest.mark.rule("camel-case-out")
async def test_responses_use_camel_case_only(
    client: SpecClient, new_order: NewOrder, place: Place
) -> None:
    """Every response names fields in camelCase at every level, never in snake_case."""
    sent = snake_case(new_order())
    placed = await place(sent, "in snake_case")
    one = await client.get(f"/orders/{placed['id']}")
    listed = await client.get("/orders")
    for what, body in (
        ("POST /orders", placed),
        (call(one), expect_object(one, 200)),
        (call(listed), expect_list(listed)),
    ):
        snake = sorted({key for key in _keys(body) if key in SNAKE.values()})
        if snake:
            raise fail(f"{what} → response names {', '.join(snake)}: only camelCase names leave")
        for name in ("shippingAddress", "createdAt", "discountPercent", "deliveryWindow"):
            orders = body if isinstance(body, list) else [body]
            if any(name not in order for order in orders):
                raise fail(f'{what} → response has no "{name}" field: {json.dumps(body)[:200]}')


def _keys(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [*node, *(key for value in node.values() for key in _keys(value))]
    if isinstance(node, list):
        return [key for item in node for key in _keys(item)]
    return []


@pytest.mark.rule("unknown-fields")
async def test_unknown_fields_are_refused_at_every_level(
    client: SpecClient, new_order: NewOrder, problems: Problems
) -> None:
    """An unknown field anywhere in POST /orders answers 422 at the field, and stores nothing."""
    places: list[Loc] = [
        (),
        ("shippingAddress",),
        ("items", 1),
        ("deliveryWindow",),
        ("payment",),
    ]
    for place in places:
        body = new_order()
        node: Any = body
        for part in place:
            node = node[part]
        node["colour"] = "red"
        r = await client.post("/orders", json=body)
        inside = ("payment", "card") if place == ("payment",) else place
        where = ".".join(str(part) for part in place) or "the order"
        problems(r, {("body", *inside, "colour")}, f'with "colour" in {where}')
    r = await client.get("/orders")
    if expect_list(r) != []:
        raise fail(f"{call(r)} after POSTs with unknown fields → expected [], got {r.text[:160]}")


@pytest.mark.rule("server-owned")
async def test_server_owned_fields_cannot_be_set(
    client: SpecClient, new_order: NewOrder, problems: Problems
) -> None:
    """id, status, createdAt, the totals, lineTotal and last4 in a POST body: 422 at the field."""
    top = {
        "id": 1,
        "status": "paid",
        "createdAt": "2020-01-01T00:00:00Z",
        "created_at": "2020-01-01T00:00:00Z",
        "subtotal": "0.01",
        "discount": "33.00",
        "total": "0.01",
        "riskScore": 0,
    }
    for name, value in top.items():
        r = await client.post("/orders", json=new_order(**{name: value}))
        problems(r, {("body", name)}, f'with "{name}": {json.dumps(value)}')
    for name in ("lineTotal", "line_total"):
        body = new_order()
        body["items"][0][name] = "0.01"
        r = await client.post("/orders", json=body)
        problems(r, {("body", "items", 0, name)}, f'with "{name}" in items[0]')
    body = new_order()
    body["payment"]["last4"] = "0000"
    r = await client.post("/orders", json=body)
    problems(r, {("body", "payment", "card", "last4")}, 'with "last4" in the card payment')
    r = await client.get("/orders")
    if expect_list(r) != []:
        raise fail(f"{call(r)} after POSTs setting server fields → expected [], got {r.text[:160]}")


def token_of(kind: str, secret: str) -> str:
    """The store's internal token for a payment (store.py is given)."""
    return "tok_" + hashlib.sha256(f"{kind}:{secret}".encode()).hexdigest()[:24]


@pytest.mark.rule("public-only")
async def test_responses_hold_only_public_fields(
    client: SpecClient, new_order: NewOrder, place: Place, public_shape: PublicShape
) -> None:
    """POST /orders, GET /orders/{order_id} and GET /orders show exactly the public fields."""
    payments = [
        {"type": "card", "cardNumber": CARD, "expiryMonth": 7, "expiryYear": 2032, "cvc": "8531"},
        {"type": "bank_transfer", "iban": IBAN},
        {"type": "gift_card", "code": GIFT_CODE},
    ]
    placed = []
    for payment in payments:
        body = new_order(payment=payment)
        r = await client.post("/orders", json=body)
        order = expect_object(r, 201)
        public_shape(r, order)
        placed.append(order)
    for order in placed:
        r = await client.get(f"/orders/{order['id']}")
        public_shape(r, expect_object(r, 200))
    r = await client.get("/orders")
    for order in expect_list(r):
        public_shape(r, order)


@pytest.mark.rule("no-secrets", "public-only")
async def test_no_response_leaks_secrets_or_internal_data(
    client: SpecClient, new_order: NewOrder
) -> None:
    """No POST or GET response holds a card number, cvc, IBAN, gift code, token or risk score."""
    payments = {
        "card": {
            "type": "card",
            "cardNumber": CARD,
            "expiryMonth": 7,
            "expiryYear": 2032,
            "cvc": "8531",
        },
        "bank_transfer": {"type": "bank_transfer", "iban": IBAN},
        "gift_card": {"type": "gift_card", "code": GIFT_CODE},
    }
    secrets = {
        "the card number": CARD.replace(" ", ""),
        "the card number as sent": CARD,
        "the IBAN": IBAN,
        "the gift card code": GIFT_CODE,
        "the cvc": '"8531"',
        "the card's token": token_of("card", CARD.replace(" ", "")),
        "the IBAN's token": token_of("bank_transfer", IBAN),
        "the gift card's token": token_of("gift_card", GIFT_CODE),
        "a token": "tok_",
    }
    responses: list[httpx.Response] = []
    ids = []
    for payment in payments.values():
        r = await client.post("/orders", json=new_order(payment=payment))
        ids.append(expect_object(r, 201, "id")["id"])
        responses.append(r)
    for order_id in ids:
        responses.append(await client.get(f"/orders/{order_id}"))
    responses.append(await client.get("/orders"))
    for r in responses:
        expect_status(r, 200, 201)
        for name, secret in secrets.items():
            if secret in r.text:
                raise fail(f"{call(r)} → the response holds {name}")
        found = sorted(FORBIDDEN_KEYS.intersection(_keys(r.json())))
        if found:
            raise fail(f"{call(r)} → the response has the field(s) {', '.join(found)}")
