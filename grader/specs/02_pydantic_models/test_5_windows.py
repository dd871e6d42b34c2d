"""Task 5: delivery windows, a rule across two fields on two paths."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

import httpx
import pytest

from grader.kit import SpecClient, call, expect_object, expect_status, fail

pytestmark = pytest.mark.task(5)

Loc = tuple[str | int, ...]
NewOrder = Callable[..., dict[str, Any]]
Place = Callable[..., Awaitable[dict[str, Any]]]
Problems = Callable[[httpx.Response, set[Loc], str], None]
PublicShape = Callable[[httpx.Response, Any], None]
UtcTime = Callable[[Any, str], datetime]


class Clock(Protocol):
    now: datetime

    def move(self, delta: timedelta) -> None: ...


START = datetime(2030, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))


def window(length: timedelta, *, start: datetime = START) -> dict[str, str]:
    return {"start": start.isoformat(), "end": (start + length).isoformat()}


def lasting(length: timedelta) -> str:
    return f"a window of {length}"


#: Lengths the rule accepts, and lengths it refuses.
FINE = [
    timedelta(hours=1),
    timedelta(days=7),
    timedelta(hours=1, microseconds=1),
    timedelta(days=3),
]
WRONG = [
    timedelta(minutes=59, seconds=59),
    timedelta(days=7, seconds=1),
    timedelta(0),
    timedelta(hours=-2),
    timedelta(days=-8),
    timedelta(days=7, microseconds=1),
]


@pytest.mark.rule("window-rule", "window-loc")
async def test_post_window_lengths(
    client: SpecClient, new_order: NewOrder, place: Place, problems: Problems
) -> None:
    """POST /orders: a window of 1 hour to 7 days is fine; shorter, longer or reversed is 422."""
    for length in FINE:
        await place(new_order(deliveryWindow=window(length)), f"with {lasting(length)}")
    for length in WRONG:
        r = await client.post("/orders", json=new_order(deliveryWindow=window(length)))
        problems(r, {("body", "deliveryWindow")}, f"with {lasting(length)}")


@pytest.mark.rule("window-utc")
async def test_times_without_utc(
    client: SpecClient, new_order: NewOrder, place: Place, problems: Problems
) -> None:
    """A window time in the year 0 or 10000 of UTC is that time's 422; the first and last pass."""
    fine = [
        {"start": "0001-01-01T14:00:00+14:00", "end": "0001-01-01T16:00:00+14:00"},
        {"start": "9999-12-31T21:00:00Z", "end": "9999-12-31T23:59:59.999999Z"},
        {"start": "9999-12-31T10:00:00-12:00", "end": "9999-12-31T11:30:00-12:00"},
    ]
    for sent in fine:
        await place(new_order(deliveryWindow=sent), f"with deliveryWindow {json.dumps(sent)}")
    cases: list[tuple[dict[str, str], set[str]]] = [
        ({"start": "0001-01-01T13:59:59+14:00", "end": "0001-01-01T16:00:00+14:00"}, {"start"}),
        ({"start": "9999-12-31T21:00:00Z", "end": "9999-12-31T23:00:00-02:00"}, {"end"}),
        (
            {"start": "0001-01-01T00:00:00+14:00", "end": "0001-01-01T02:00:00+14:00"},
            {"start", "end"},
        ),
        (
            {"start": "9999-12-31T20:00:00-14:00", "end": "9999-12-31T22:00:00-14:00"},
            {"start", "end"},
        ),
    ]
    order = await place(new_order())
    for sent, fields in cases:
        r = await client.post("/orders", json=new_order(deliveryWindow=sent))
        locs: set[Loc] = {("body", "deliveryWindow", name) for name in fields}
        problems(r, locs, f"with deliveryWindow {json.dumps(sent)}")
        r = await client.put(f"/orders/{order['id']}/delivery-window", json=sent)
        problems(r, {("body", name) for name in fields}, f"with {json.dumps(sent)}")


@pytest.mark.rule("window-instants")
async def test_the_rule_compares_instants(
    client: SpecClient, new_order: NewOrder, place: Place, problems: Problems
) -> None:
    """10:00+02:00 to 09:30Z lasts 1.5 hours (fine); 09:00Z to 10:30+02:00 ends before it starts."""
    fine = {"start": "2030-06-01T10:00:00+02:00", "end": "2030-06-01T09:30:00Z"}
    order = await place(new_order(deliveryWindow=fine), "with a window 10:00+02:00 to 09:30Z")
    expected = {"start": "08:00:00", "end": "09:30:00"}
    got = order.get("deliveryWindow") or {}
    for name, clock_time in expected.items():
        if not isinstance(got.get(name), str) or clock_time not in got[name]:
            raise fail(
                f"POST /orders with a window 10:00+02:00 to 09:30Z → deliveryWindow.{name} "
                f"should be 2030-06-01T{clock_time}Z, got {got.get(name)!r}"
            )
    cases = {
        "09:00Z to 10:30+02:00 (it ends 30 minutes before it starts)": {
            "start": "2030-06-01T09:00:00Z",
            "end": "2030-06-01T10:30:00+02:00",
        },
        "10:00Z to 11:30+01:00 (it lasts 30 minutes)": {
            "start": "2030-06-01T10:00:00Z",
            "end": "2030-06-01T11:30:00+01:00",
        },
        "00:00+14:00 on the 1st to 00:00-12:00 on the 8th (it lasts 8 days and 2 hours)": {
            "start": "2030-06-01T00:00:00+14:00",
            "end": "2030-06-08T00:00:00-12:00",
        },
    }
    for case, sent in cases.items():
        r = await client.post("/orders", json=new_order(deliveryWindow=sent))
        problems(r, {("body", "deliveryWindow")}, f"with a window {case}")


@pytest.mark.rule("window-start", "loc-exact")
async def test_field_problems_are_the_fields(
    client: SpecClient, new_order: NewOrder, problems: Problems
) -> None:
    """A missing, null or unreadable start or end is that field's problem, not the window's."""
    good = window(timedelta(hours=2))
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"end": good["end"]}, {"start"}),
        ({"start": good["start"]}, {"end"}),
        ({}, {"start", "end"}),
        ({**good, "start": None}, {"start"}),
        ({**good, "end": "soon"}, {"end"}),
        ({**good, "end": "2030-02-30T10:00:00Z"}, {"end"}),
        ({**good, "start": "2030-06-01T25:00:00Z"}, {"start"}),
        ({**good, "end": ["2030-06-01T12:00:00Z"]}, {"end"}),
        ({**good, "start": "2030-06-01T09:00:00"}, {"start"}),
        ({"start": "2030-06-01T09:00:00", "end": "2030-06-01T08:00:00"}, {"start", "end"}),
    ]
    for sent, fields in cases:
        r = await client.post("/orders", json=new_order(deliveryWindow=sent))
        locs: set[Loc] = {("body", "deliveryWindow", name) for name in fields}
        problems(r, locs, f"with deliveryWindow {json.dumps(sent)}")


@pytest.mark.rule("put-answer", "put-window", "utc-out")
async def test_put_replaces_the_window(
    client: SpecClient, new_order: NewOrder, place: Place, clock: Clock, utc_time: UtcTime
) -> None:
    """PUT /orders/{order_id}/delivery-window answers 200 with the order and its new window."""
    order = await place(new_order())
    clock.move(timedelta(hours=5))
    sent = {"start": "2030-07-14T18:00:00+02:00", "end": "2030-07-14T22:30:00+02:00"}
    r = await client.put(f"/orders/{order['id']}/delivery-window", json=sent)
    got = expect_object(r, 200, "deliveryWindow")
    what = call(r)
    window_got = got["deliveryWindow"]
    if not isinstance(window_got, dict):
        raise fail(f"{what} → deliveryWindow should be an object, got {window_got!r}")
    for name, expected in (("start", "2030-07-14T16:00:00"), ("end", "2030-07-14T20:30:00")):
        moment = utc_time(window_got.get(name), f"{what} → deliveryWindow.{name}")
        if moment.replace(tzinfo=None).isoformat() != expected:
            raise fail(f"{what} → deliveryWindow.{name} should be {expected}Z, got {window_got}")
    rest = {key: value for key, value in got.items() if key != "deliveryWindow"}
    before = {key: value for key, value in order.items() if key != "deliveryWindow"}
    if rest != before:
        changed = sorted(
            key for key in before.keys() | rest.keys() if before.get(key) != rest.get(key)
        )
        raise fail(f"{what} → only deliveryWindow should change, but so did {', '.join(changed)}")
    r = await client.get(f"/orders/{order['id']}")
    if expect_object(r, 200) != got:
        raise fail(f"{call(r)} after the PUT → expected the order as the PUT answered it")


@pytest.mark.rule("put-rules", "both-paths", "window-rule")
async def test_put_window_lengths(
    client: SpecClient, new_order: NewOrder, place: Place, problems: Problems
) -> None:
    """PUT: 1 hour to 7 days answers 200; shorter, longer or reversed is 422 at ["body"]."""
    order = await place(new_order())
    path = f"/orders/{order['id']}/delivery-window"
    for length in FINE:
        expect_status(await client.put(path, json=window(length)), 200)
    current = expect_object(await client.get(f"/orders/{order['id']}"), 200)
    for length in WRONG:
        problems(
            await client.put(path, json=window(length)), {("body",)}, f"with {lasting(length)}"
        )
    sent = {"start": "2030-06-01T09:00:00Z", "end": "2030-06-01T10:30:00+02:00"}
    problems(await client.put(path, json=sent), {("body",)}, "with 09:00Z to 10:30+02:00")
    r = await client.get(f"/orders/{order['id']}")
    if expect_object(r, 200) != current:
        raise fail(f"{call(r)} → a PUT answered 422 changed the order")


@pytest.mark.rule("put-rules", "window-start")
async def test_put_field_problems(
    client: SpecClient, new_order: NewOrder, place: Place, problems: Problems
) -> None:
    """PUT: a missing, naive or unreadable start or end is that field's problem."""
    order = await place(new_order())
    path = f"/orders/{order['id']}/delivery-window"
    good = window(timedelta(hours=2))
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"end": good["end"]}, {"start"}),
        ({"start": good["start"]}, {"end"}),
        ({**good, "start": "2030-06-01T09:00:00"}, {"start"}),
        ({**good, "end": "tomorrow"}, {"end"}),
        ({**good, "end": None}, {"end"}),
    ]
    for sent, fields in cases:
        problems(
            await client.put(path, json=sent),
            {("body", name) for name in fields},
            f"with {json.dumps(sent)}",
        )


@pytest.mark.rule("put-window")
async def test_put_unknown_order_is_404(
    client: SpecClient, new_order: NewOrder, place: Place
) -> None:
    """PUT /orders/{order_id}/delivery-window answers 404 for an id no order has."""
    order = await place(new_order())
    good = window(timedelta(hours=2))
    for order_id in (order["id"] + 1000, 2**64):
        expect_status(await client.put(f"/orders/{order_id}/delivery-window", json=good), 404)


@pytest.mark.rule("unknown-fields", "put-rules")
async def test_put_refuses_unknown_fields(
    client: SpecClient, new_order: NewOrder, place: Place, problems: Problems
) -> None:
    """PUT with a field besides start and end answers 422 at it, and changes nothing."""
    order = await place(new_order())
    good = window(timedelta(hours=3))
    for name, value in (("colour", "red"), ("id", 99), ("status", "shipped"), ("total", "0.01")):
        r = await client.put(f"/orders/{order['id']}/delivery-window", json={**good, name: value})
        problems(r, {("body", name)}, f'with "{name}" beside start and end')
    r = await client.get(f"/orders/{order['id']}")
    if expect_object(r, 200) != order:
        raise fail(f"{call(r)} → a PUT answered 422 changed the order: {r.text[:200]}")


@pytest.mark.rule("public-only", "no-secrets", "put-answer")
async def test_put_answers_the_public_order(
    client: SpecClient, new_order: NewOrder, public_shape: PublicShape
) -> None:
    """PUT answers the order with exactly its public fields: no card number, token or risk."""
    card = {
        "type": "card",
        "cardNumber": "4000 0566 5566 5556",
        "expiryMonth": 7,
        "expiryYear": 2032,
        "cvc": "8531",
    }
    r = await client.post("/orders", json=new_order(payment=card))
    order = expect_object(r, 201, "id")
    r = await client.put(f"/orders/{order['id']}/delivery-window", json=window(timedelta(hours=4)))
    public_shape(r, expect_object(r, 200))
    for secret in ("4000056655665556", "4000 0566", '"8531"', "tok_", "risk"):
        if secret in r.text:
            raise fail(f"{call(r)} → the response holds {secret!r}")


@pytest.mark.rule("never-500")
async def test_no_window_is_a_server_error(
    client: SpecClient, new_order: NewOrder, place: Place
) -> None:
    """Windows of every wrong shape answer 422 on POST and PUT, never 500."""
    order = await place(new_order())
    good = window(timedelta(hours=2))
    windows: list[Any] = [
        None,
        "tomorrow",
        [],
        [good["start"], good["end"]],
        42,
        {"start": None, "end": None},
        {"start": 1, "end": []},
        {"start": {"at": good["start"]}, "end": good["end"]},
        {**good, "start": "2030-06-01T09:00:00"},
        {**good, "end": "2030-06-01T13:00:00"},
        {"start": "2030-06-01T09:00:00", "end": "2030-06-01T11:00:00Z"},
        {**good, "end": "9" * 30},
        {"end": good["end"]},
        {"start": good["start"]},
    ]
    for sent in windows:
        for method, path, body in (
            ("POST", "/orders", new_order(deliveryWindow=sent)),
            ("PUT", f"/orders/{order['id']}/delivery-window", sent),
        ):
            r = await client.request(method, path, json=body)
            if r.status_code != 422:
                raise fail(
                    f"{call(r)} with the window {json.dumps(sent)[:100]} → expected 422, got "
                    f"{r.status_code}: {r.text[:160]}"
                )
