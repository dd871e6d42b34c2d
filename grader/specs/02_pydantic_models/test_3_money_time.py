"""Task 3: money and time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

import httpx
import pytest

from grader.kit import SpecClient, call, expect_list, expect_object, fail

pytestmark = pytest.mark.task(3)

Loc = tuple[str | int, ...]
NewOrder = Callable[..., dict[str, Any]]
Place = Callable[..., Awaitable[dict[str, Any]]]
Problems = Callable[[httpx.Response, set[Loc], str], None]
FieldCheck = Callable[..., Awaitable[None]]
UtcTime = Callable[[Any, str], datetime]


class Clock(Protocol):
    now: datetime

    def move(self, delta: timedelta) -> None: ...


UTC = timezone.utc


def items(*lines: tuple[int, str]) -> list[dict[str, Any]]:
    """Items of distinct skus: (quantity, unit price) each."""
    return [
        {"sku": f"LINE-{n:02d}", "quantity": quantity, "unitPrice": price}
        for n, (quantity, price) in enumerate(lines, start=1)
    ]


def expect_money(what: str, name: str, got: Any, expected: str) -> None:
    if got != expected:
        raise fail(f'{what} → {name} should be "{expected}" (a string, two decimals), got {got!r}')


async def totals_of(place: Place, body: dict[str, Any], case: str) -> dict[str, Any]:
    order = await place(body, case)
    for name in ("subtotal", "discount", "total"):
        if name not in order:
            raise fail(f'POST /orders {case} → the order has no "{name}" field')
    return order


@pytest.mark.rule("money-in")
async def test_money_strings_are_accepted(new_order: NewOrder, place: Place) -> None:
    """Prices sent as strings ("12.5", "8", "0.5", "0.01") come back with exactly two decimals."""
    sent = ["12.5", "8", "0.5", "0.01", "10000", "9999.99"]
    order = await place(
        new_order(items=items(*((1, price) for price in sent))), "with prices as strings"
    )
    got = [item.get("unitPrice") for item in order["items"]]
    expected = ["12.50", "8.00", "0.50", "0.01", "10000.00", "9999.99"]
    if got != expected:
        raise fail(f"POST /orders with unit prices {sent} → expected {expected}, got {got}")


@pytest.mark.rule("money-not-a-number")
async def test_money_as_a_json_number_is_refused(field_check: FieldCheck) -> None:
    """A price sent as a JSON number (12.5, 8, 0.1) answers 422 at the price."""
    await field_check(("items", 1, "unitPrice"), invalid=[12.5, 8, 0.1, 1e2, 10000])


@pytest.mark.rule("money-bad-strings")
async def test_money_strings_that_are_not_amounts_are_refused(field_check: FieldCheck) -> None:
    """Prices "abc", "", "NaN", "Infinity", "1,50", "-1" and "0.001" answer 422 at the price."""
    await field_check(
        ("items", 1, "unitPrice"),
        invalid=[
            "abc",
            "",
            "NaN",
            "nan",
            "sNaN",
            "Infinity",
            "-Infinity",
            "1,50",
            "-1",
            "-0.01",
            "0.001",
            "12.345",
            "12.50 EUR",
            "€12.50",
        ],
    )


@pytest.mark.rule("line-total", "subtotal", "discount-half-up", "total", "money-out")
async def test_totals_of_the_readme_example(new_order: NewOrder, place: Place) -> None:
    """The README's order: lineTotal 25.00 and 8.00, subtotal 33.00, discount 3.30, total 29.70."""
    order = await totals_of(place, new_order(), "with the README's example")
    what = "POST /orders with the README's example"
    line_totals = [item.get("lineTotal") for item in order["items"]]
    if line_totals != ["25.00", "8.00"]:
        raise fail(
            f'{what} → the items\' "lineTotal" should be ["25.00", "8.00"], got {line_totals}'
        )
    expect_money(what, '"subtotal"', order["subtotal"], "33.00")
    expect_money(what, '"discount"', order["discount"], "3.30")
    expect_money(what, '"total"', order["total"], "29.70")


@pytest.mark.rule("exact-money", "subtotal", "total")
async def test_money_is_exact(new_order: NewOrder, place: Place) -> None:
    """0.10 + 0.20 is "0.30", and ten items at 0.10 make "1.00": no float arithmetic."""
    cases = [
        (items((1, "0.10"), (1, "0.20")), 0, "0.30", "0.00", "0.30"),
        (items(*([(1, "0.1")] * 10)), 0, "1.00", "0.00", "1.00"),
        (items((3, "0.1"), (7, "0.7")), 0, "5.20", "0.00", "5.20"),
        (items((1000, "10000"), (1000, "9999.99")), 0, "19999990.00", "0.00", "19999990.00"),
    ]
    for lines, percent, subtotal, discount, total in cases:
        prices = ", ".join(f'{line["quantity"]} × "{line["unitPrice"]}"' for line in lines)
        case = f"with items {prices}"
        order = await totals_of(place, new_order(items=lines, discountPercent=percent), case)
        what = f"POST /orders {case}"
        expect_money(what, '"subtotal"', order["subtotal"], subtotal)
        expect_money(what, '"discount"', order["discount"], discount)
        expect_money(what, '"total"', order["total"], total)


@pytest.mark.rule("discount-half-up", "exact-money")
async def test_discount_rounds_half_a_cent_up(new_order: NewOrder, place: Place) -> None:
    """30% of 32.55 is a discount of "9.77" and 10% of 0.25 one of "0.03": half a cent goes up."""
    cases = [
        (items((3, "10.85")), 30, "32.55", "9.77", "22.78"),
        (items((1, "0.25")), 10, "0.25", "0.03", "0.22"),
        (items((1, "0.05")), 50, "0.05", "0.03", "0.02"),
        (items((1, "0.05"), (1, "0.05")), 50, "0.10", "0.05", "0.05"),
        (items((1, "10.10")), 15, "10.10", "1.52", "8.58"),
        (items((1, "100")), 100, "100.00", "100.00", "0.00"),
        (items((1, "0.01")), 1, "0.01", "0.00", "0.01"),
    ]
    for lines, percent, subtotal, discount, total in cases:
        prices = ", ".join(f'{line["quantity"]} × "{line["unitPrice"]}"' for line in lines)
        case = f"with items {prices} and discountPercent {percent}"
        order = await totals_of(place, new_order(items=lines, discountPercent=percent), case)
        what = f"POST /orders {case}"
        expect_money(what, '"subtotal"', order["subtotal"], subtotal)
        expect_money(what, '"discount"', order["discount"], discount)
        expect_money(what, '"total"', order["total"], total)


@pytest.mark.rule("money-out")
async def test_money_keeps_two_decimals_everywhere(
    client: SpecClient, new_order: NewOrder, place: Place
) -> None:
    """GET /orders/{order_id} and GET /orders show money with exactly two decimals too."""
    order = await place(new_order(items=items((2, "0.5"), (1, "7")), discountPercent=0))
    for r in (await client.get(f"/orders/{order['id']}"), await client.get("/orders")):
        body = expect_list(r) if r.url.path == "/orders" else [expect_object(r, 200)]
        got = body[0]
        lines = [(i.get("unitPrice"), i.get("lineTotal")) for i in got.get("items", [])]
        if lines != [("0.50", "1.00"), ("7.00", "7.00")]:
            raise fail(
                f'{call(r)} → items should show unitPrice/lineTotal ("0.50", "1.00") and '
                f'("7.00", "7.00"), got {lines}'
            )
        for name, expected in (("subtotal", "8.00"), ("discount", "0.00"), ("total", "8.00")):
            expect_money(call(r), f'"{name}"', got.get(name), expected)


@pytest.mark.rule("naive-in")
async def test_times_without_an_offset_are_refused(
    client: SpecClient, new_order: NewOrder, problems: Problems
) -> None:
    """A delivery window time without an offset answers 422 at that time."""
    naive = {
        "start": {"start": "2030-05-02T09:00:00", "end": "2030-05-02T13:00:00+02:00"},
        "end": {"start": "2030-05-02T09:00:00+02:00", "end": "2030-05-02T13:00:00"},
        "date only": {"start": "2030-05-02", "end": "2030-05-09T00:00:00Z"},
    }
    for case, window in naive.items():
        r = await client.post("/orders", json=new_order(deliveryWindow=window))
        at = "end" if case == "end" else "start"
        problems(r, {("body", "deliveryWindow", at)}, f"with a naive {case} ({window[at]})")
    both = {"start": "2030-05-02T09:00:00", "end": "2030-05-02T13:00:00"}
    r = await client.post("/orders", json=new_order(deliveryWindow=both))
    problems(
        r,
        {("body", "deliveryWindow", "start"), ("body", "deliveryWindow", "end")},
        "with a naive start and a naive end",
    )


@pytest.mark.rule("utc-out")
async def test_times_come_back_in_utc(new_order: NewOrder, place: Place, utc_time: UtcTime) -> None:
    """Window times sent with any offset come back in UTC, the same instants."""
    windows = [
        ("2030-05-02T09:00:00+02:00", "2030-05-02T13:00:00+02:00"),
        ("2030-05-02T09:00:00-05:30", "2030-05-02T10:15:00-05:30"),
        ("2030-12-31T23:30:00Z", "2031-01-01T01:00:00+00:00"),
        ("2030-05-02T09:00:00.250000+14:00", "2030-05-03T09:00:00-12:00"),
    ]
    for start, end in windows:
        case = f"with deliveryWindow {start} to {end}"
        order = await place(new_order(deliveryWindow={"start": start, "end": end}), case)
        window = order.get("deliveryWindow")
        if not isinstance(window, dict):
            raise fail(f"POST /orders {case} → no deliveryWindow object in {order}")
        for name, sent in (("start", start), ("end", end)):
            got = utc_time(window.get(name), f"POST /orders {case} → deliveryWindow.{name}")
            instant = datetime.fromisoformat(sent.replace("Z", "+00:00"))
            if got != instant:
                raise fail(
                    f"POST /orders {case} → deliveryWindow.{name} should be "
                    f"{instant.astimezone(UTC).isoformat()}, got {window.get(name)}"
                )


@pytest.mark.rule("created-at", "clock")
async def test_created_at_is_the_clock_time_in_utc(
    client: SpecClient, new_order: NewOrder, place: Place, utc_time: UtcTime, clock: Clock
) -> None:
    """createdAt is the clock's time at POST, in UTC: 2030-04-01T12:00:00+02:00 is 10:00Z."""
    order = await place(new_order())
    got = utc_time(order.get("createdAt"), "POST /orders → createdAt")
    if got != clock.now:
        raise fail(
            f"POST /orders when the clock says {clock.now.isoformat()} → createdAt should be "
            f"{clock.now.astimezone(UTC).isoformat()}, got {order.get('createdAt')}"
        )
    clock.move(timedelta(days=3, hours=5, minutes=7, seconds=11))
    later = await place(new_order())
    got = utc_time(later.get("createdAt"), "POST /orders → createdAt")
    if got != clock.now:
        raise fail(
            f"POST /orders when the clock says {clock.now.isoformat()} → createdAt should be "
            f"{clock.now.astimezone(UTC).isoformat()}, got {later.get('createdAt')}"
        )
    r = await client.get(f"/orders/{order['id']}")
    utc_time(expect_object(r, 200, "createdAt")["createdAt"], f"{call(r)} → createdAt")


@pytest.mark.rule("created-at")
async def test_created_at_never_changes(
    client: SpecClient, new_order: NewOrder, place: Place, clock: Clock
) -> None:
    """createdAt stays the time of POST, in GET and in the list, after the clock moves on."""
    order = await place(new_order())
    clock.move(timedelta(hours=30))
    one = await client.get(f"/orders/{order['id']}")
    listed = await client.get("/orders")
    for r, got in ((one, expect_object(one, 200)), (listed, expect_list(listed)[0])):
        if got.get("createdAt") != order["createdAt"]:
            raise fail(
                f"{call(r)} after the clock moved 30 hours → createdAt should still be "
                f"{order['createdAt']}, got {got.get('createdAt')}"
            )


#: The README's example order and the answer it shows for it.
README_ORDER = {
    "email": "ada@example.com",
    "shippingAddress": {
        "line1": "12 Analytical Row",
        "line2": None,
        "city": "London",
        "postalCode": "NW1 6XE",
        "countryCode": "GB",
    },
    "items": [
        {"sku": "BOOK-0042", "quantity": 2, "unitPrice": "12.5"},
        {"sku": "MUG-7", "quantity": 1, "unitPrice": "8"},
    ],
    "discountPercent": 10,
    "deliveryWindow": {"start": "2030-05-02T09:00:00+02:00", "end": "2030-05-02T13:00:00+02:00"},
    "payment": {
        "type": "card",
        "cardNumber": "4242 4242 4242 4242",
        "expiryMonth": 12,
        "expiryYear": 2031,
        "cvc": "123",
    },
}
README_ANSWER: dict[str, Any] = {
    "id": 1,
    "status": "received",
    "createdAt": "2030-04-01T10:00:00Z",
    "email": "ada@example.com",
    "shippingAddress": README_ORDER["shippingAddress"],
    "items": [
        {"sku": "BOOK-0042", "quantity": 2, "unitPrice": "12.50", "lineTotal": "25.00"},
        {"sku": "MUG-7", "quantity": 1, "unitPrice": "8.00", "lineTotal": "8.00"},
    ],
    "discountPercent": 10,
    "deliveryWindow": {"start": "2030-05-02T07:00:00Z", "end": "2030-05-02T11:00:00Z"},
    "payment": {"type": "card", "last4": "4242"},
    "subtotal": "33.00",
    "discount": "3.30",
    "total": "29.70",
}


@pytest.mark.rule("readme-example")
async def test_the_readme_example(client: SpecClient, utc_time: UtcTime) -> None:
    """POST /orders with the README's example order answers the README's example answer."""
    r = await client.post("/orders", json=README_ORDER)
    got = expect_object(r, 201)
    for name, expected in README_ANSWER.items():
        value = got.get(name)
        if name in ("createdAt", "deliveryWindow"):
            # "Z" and "+00:00" are both UTC: compare the instants, in UTC.
            if name == "createdAt":
                same = utc_time(value, f"{call(r)} → createdAt") == utc_time(expected, "")
            else:
                same = isinstance(value, dict) and all(
                    utc_time(value.get(key), f"{call(r)} → deliveryWindow.{key}")
                    == utc_time(expected[key], "")
                    for key in ("start", "end")
                )
        else:
            same = value == expected
        if not same:
            raise fail(
                f'{call(r)} with the README\'s order → "{name}" should be {expected}, got {value}'
            )
    extra = sorted(set(got) - set(README_ANSWER))
    if extra:
        raise fail(f"{call(r)} with the README's order → the answer also has {', '.join(extra)}")
