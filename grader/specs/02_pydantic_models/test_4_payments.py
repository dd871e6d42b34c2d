"""Task 4: payments, one of three kinds told apart by `type`."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, fail

pytestmark = pytest.mark.task(4)

Loc = tuple[str | int, ...]
NewOrder = Callable[..., dict[str, Any]]
Place = Callable[..., Awaitable[dict[str, Any]]]
Problems = Callable[[httpx.Response, set[Loc], str], None]
FieldCheck = Callable[..., Awaitable[None]]

CARD = {"type": "card", "cardNumber": "4242424242424242", "expiryMonth": 12, "expiryYear": 2031}
CARD_CVC = {**CARD, "cvc": "123"}
IBAN = "GB82WEST12345698765432"
BANK = {"type": "bank_transfer", "iban": IBAN}
GIFT = {"type": "gift_card", "code": "ABCD1234EFGH5678"}
CARD_FIELDS = ("cardNumber", "expiryMonth", "expiryYear", "cvc")


def described(value: Any) -> str:
    return "left out" if value is ... else json.dumps(value, ensure_ascii=False)


async def expect_payment(
    place: Place, new_order: NewOrder, payment: dict[str, Any], last4: str
) -> None:
    case = f"with payment {json.dumps(payment)}"
    order = await place(new_order(payment=payment), case)
    expected = {"type": payment["type"], "last4": last4}
    if order.get("payment") != expected:
        raise fail(f"POST /orders {case} → expected payment {expected}, got {order.get('payment')}")


@pytest.mark.rule("kind-card", "payment-out")
async def test_card_payments(new_order: NewOrder, place: Place) -> None:
    """Valid card numbers of 12 to 19 digits, spaces anywhere: payment {"type", "last4"}."""
    cards = {
        "4242 4242 4242 4242": "4242",
        "4000056655665556": "5556",
        "40000566556655 56": "5556",
        "378282246310005": "0005",
        "512345678902": "8902",
        "4444444444444444442": "4442",
        "4444 4444 4444 4444 442": "4442",
        "4999 9999 9999 9996": "9996",
    }
    for number, last4 in cards.items():
        await expect_payment(place, new_order, {**CARD_CVC, "cardNumber": number}, last4)


@pytest.mark.rule("kind-card")
async def test_card_number_rules(field_check: FieldCheck) -> None:
    """A card number that fails Luhn, has 11 or 20 digits, or other characters: 422 at it."""
    await field_check(
        ("payment", "cardNumber"),
        loc=("body", "payment", "card", "cardNumber"),
        invalid=[
            "4242424242424241",
            "4242 4242 4242 4243",
            "4999999999999999",
            "44444444440",
            "44444444444444444444",
            "4242-4242-4242-4242",
            "4242abcd42424242",
            "４２４２４２４２４２４２４２４２",
            "４２４２ ４２４２ ４２４２ ４２４２",
            "",
            "    ",
            4242424242424242,
            None,
            ...,
        ],
    )


@pytest.mark.rule("kind-card-expiry-month")
async def test_expiry_month_rules(field_check: FieldCheck) -> None:
    """A card's expiryMonth is an integer from 1 to 12."""
    await field_check(("payment", "expiryMonth"), valid=[1, 12])
    await field_check(
        ("payment", "expiryMonth"),
        loc=("body", "payment", "card", "expiryMonth"),
        invalid=[0, 13, -1, 1.5, "May", None, 2**64, ...],
    )


@pytest.mark.rule("kind-card-expiry-year")
async def test_expiry_year_rules(field_check: FieldCheck) -> None:
    """A card's expiryYear is an integer from 2000 to 2099."""
    await field_check(("payment", "expiryYear"), valid=[2000, 2099])
    await field_check(
        ("payment", "expiryYear"),
        loc=("body", "payment", "card", "expiryYear"),
        invalid=[1999, 2100, 99, None, 2**64, ...],
    )


@pytest.mark.rule("kind-card-cvc")
async def test_cvc_rules(field_check: FieldCheck) -> None:
    """A card's cvc is a string of 3 or 4 digits 0-9."""
    await field_check(("payment", "cvc"), valid=["123", "0000"])
    await field_check(
        ("payment", "cvc"),
        loc=("body", "payment", "card", "cvc"),
        invalid=["12", "12345", "12a", "１２３", "12 3", 123, "", None, ...],
    )


@pytest.mark.rule("kind-bank-transfer", "payment-out")
async def test_bank_transfer_payments(
    new_order: NewOrder, place: Place, client: SpecClient, problems: Problems
) -> None:
    """An IBAN of 15 to 34 characters is a bank transfer; others answer 422 at the IBAN."""
    shortest, longest = "DE89" + "3" * 11, "FR14" + "A1" * 15
    for iban in (IBAN, shortest, longest):
        await expect_payment(place, new_order, {**BANK, "iban": iban}, iban[-4:])
    refused: list[Any] = [
        shortest[:-1],
        longest + "B",
        IBAN.lower(),
        "GB82 WEST 1234 5698 7654 32",
        "1282WEST12345698765432",
        "GBX2WEST12345698765432",
        "GB82WEST1234569876543_",
        "",
        None,
        8912345678901234,
        ...,
    ]
    for iban in refused:
        payment = {"type": "bank_transfer"} if iban is ... else {**BANK, "iban": iban}
        r = await client.post("/orders", json=new_order(payment=payment))
        problems(r, {("body", "payment", "bank_transfer", "iban")}, f"with iban {described(iban)}")


@pytest.mark.rule("kind-gift-card", "payment-out")
async def test_gift_card_payments(
    new_order: NewOrder, place: Place, client: SpecClient, problems: Problems
) -> None:
    """A code of exactly 16 capital letters or digits is a gift card; others answer 422."""
    for code in ("ABCD1234EFGH5678", "0000000000000000", "ZZZZZZZZZZZZZZZZ"):
        await expect_payment(place, new_order, {**GIFT, "code": code}, code[-4:])
    refused: list[Any] = [
        "ABCD1234EFGH567",
        "ABCD1234EFGH56789",
        "abcd1234efgh5678",
        "ABCD-1234-EFGH-5678",
        "ABCD1234EFGH567É",
        None,
        1234567890123456,
        ...,
    ]
    for code in refused:
        payment = {"type": "gift_card"} if code is ... else {**GIFT, "code": code}
        r = await client.post("/orders", json=new_order(payment=payment))
        problems(r, {("body", "payment", "gift_card", "code")}, f"with code {described(code)}")


@pytest.mark.rule("type-decides")
async def test_type_alone_decides_the_kind(
    client: SpecClient, new_order: NewOrder, problems: Problems
) -> None:
    """A payment whose fields fit another kind than its type is refused as its type's kind."""
    cases: list[tuple[dict[str, Any], set[Loc], str]] = [
        (
            {"type": "gift_card", "iban": IBAN},
            {("body", "payment", "gift_card", "code"), ("body", "payment", "gift_card", "iban")},
            "a gift card holding a valid IBAN",
        ),
        (
            {"type": "bank_transfer", "code": GIFT["code"]},
            {
                ("body", "payment", "bank_transfer", "iban"),
                ("body", "payment", "bank_transfer", "code"),
            },
            "a bank transfer holding a valid gift card code",
        ),
        (
            {"type": "card", "iban": IBAN},
            {("body", "payment", "card", name) for name in (*CARD_FIELDS, "iban")},
            "a card holding a valid IBAN",
        ),
        (
            {**CARD_CVC, "type": "gift_card"},
            {("body", "payment", "gift_card", name) for name in ("code", *CARD_FIELDS)},
            "a card's fields with type gift_card",
        ),
    ]
    for payment, locs, case in cases:
        r = await client.post("/orders", json=new_order(payment=payment))
        problems(r, locs, f"with {case} ({json.dumps(payment)})")
    r = await client.get("/orders")
    if expect_list(r) != []:
        raise fail(
            f"{call(r)} after payments of mismatched kinds → expected [], got {r.text[:120]}"
        )


@pytest.mark.rule("type-missing-or-unknown")
async def test_missing_or_unknown_type(
    client: SpecClient, new_order: NewOrder, problems: Problems
) -> None:
    """A payment without "type", or with one not in the table, is one problem at the payment."""
    payments: list[dict[str, Any]] = [
        {key: value for key, value in CARD_CVC.items() if key != "type"},
        {"iban": IBAN},
        {},
        {**CARD_CVC, "type": "CARD"},
        {**CARD_CVC, "type": "credit_card"},
        {**BANK, "type": "bank-transfer"},
        {**GIFT, "type": ""},
        {**CARD_CVC, "type": None},
        {**CARD_CVC, "type": 1},
        {**CARD_CVC, "type": ["card"]},
    ]
    for payment in payments:
        r = await client.post("/orders", json=new_order(payment=payment))
        problems(r, {("body", "payment")}, f"with payment {json.dumps(payment)}")


@pytest.mark.rule("kind-in-loc")
async def test_problems_inside_a_kind_name_the_kind(
    client: SpecClient, new_order: NewOrder, problems: Problems
) -> None:
    """A problem inside a payment has its type in loc, and no other kind is mentioned."""
    cases: list[tuple[dict[str, Any], set[Loc]]] = [
        ({**CARD_CVC, "cvc": "1"}, {("body", "payment", "card", "cvc")}),
        (
            {"type": "card", "cvc": "123"},
            {("body", "payment", "card", name) for name in CARD_FIELDS[:3]},
        ),
        ({**BANK, "iban": "nope"}, {("body", "payment", "bank_transfer", "iban")}),
        ({"type": "gift_card"}, {("body", "payment", "gift_card", "code")}),
        ({**CARD_CVC, "iban": IBAN}, {("body", "payment", "card", "iban")}),
        ({**GIFT, "cvc": "123"}, {("body", "payment", "gift_card", "cvc")}),
    ]
    for payment, locs in cases:
        r = await client.post("/orders", json=new_order(payment=payment))
        problems(r, locs, f"with payment {json.dumps(payment)}")


@pytest.mark.rule("kind-card", "type-decides")
async def test_payment_snake_case_names(new_order: NewOrder, place: Place) -> None:
    """A card sent with snake_case names is a card like any other."""
    payment = {
        "type": "card",
        "card_number": "4000 0566 5566 5556",
        "expiry_month": 2,
        "expiry_year": 2030,
        "cvc": "4321",
    }
    order = await place(new_order(payment=payment), "with a card in snake_case")
    if order.get("payment") != {"type": "card", "last4": "5556"}:
        raise fail(
            "POST /orders with a card in snake_case → expected payment "
            f'{{"type": "card", "last4": "5556"}}, got {order.get("payment")}'
        )


@pytest.mark.rule("never-500")
async def test_no_payment_is_a_server_error(client: SpecClient, new_order: NewOrder) -> None:
    """Payment fields of every wrong type answer 422, never 500."""
    payments: list[Any] = [
        {**CARD_CVC, "cardNumber": 4242424242424242},
        {**CARD_CVC, "cardNumber": ["4242424242424242"]},
        {**CARD_CVC, "cardNumber": {"digits": "4242424242424242"}},
        {**CARD_CVC, "cardNumber": None},
        {**CARD_CVC, "cardNumber": True},
        {**CARD_CVC, "cardNumber": "4242²42424242424"},
        {**CARD_CVC, "cardNumber": "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢"},
        {**CARD_CVC, "cvc": 123},
        {**CARD_CVC, "expiryMonth": "12"[::-1] * 40},
        {**CARD_CVC, "expiryYear": 10**40},
        {**BANK, "iban": 123},
        {**BANK, "iban": [IBAN]},
        {**GIFT, "code": {"code": GIFT["code"]}},
        dict.fromkeys(CARD_CVC),
        {"type": {"kind": "card"}},
        [CARD_CVC],
        "card",
        42,
    ]
    for payment in payments:
        r = await client.post("/orders", json=new_order(payment=payment))
        if r.status_code != 422:
            raise fail(
                f"{call(r)} with payment {json.dumps(payment)[:100]} → expected 422, got "
                f"{r.status_code}: {r.text[:160]}"
            )
