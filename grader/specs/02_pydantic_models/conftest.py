"""Fixtures for the orders specs: a clock the specs set, valid orders to start from, and checks
of a 422's locations, of times and of what a response may hold.

The app's `get_clock` dependency answers with the spec's clock, a fixed time in a zone other than
UTC that a spec moves by hand. Spec modules cannot import this file (its folder name is not a
Python identifier), so every helper is a fixture with a plain callable type.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from grader.kit import SpecClient, body_excerpt, call, expect_object, fail, with_clock
from grader.loader import LoadedApp

#: The zone of the grader's clock: not UTC, so that a time passed on unconverted shows.
ZONE = timezone(timedelta(hours=2))
#: When the clock starts: 2030-04-01T12:00:00+02:00, that is 10:00 UTC.
START = datetime(2030, 4, 1, 12, 0, tzinfo=ZONE)


class FakeClock:
    """An aware clock that stands still until a spec moves it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def move(self, delta: timedelta) -> None:
        self.now += delta


#: The local time zone during a spec, in POSIX form: 3 h 30 min behind UTC.
LOCAL_ZONE = "KATA+3:30"


@pytest.fixture(autouse=True)
def local_zone() -> Iterator[None]:
    """Run the spec in a local time zone other than UTC, so that an app that takes the store's
    naive UTC times for local ones shows it (where the zone can change: not on Windows)."""
    if not hasattr(time, "tzset"):
        yield
        return
    before = os.environ.get("TZ")
    os.environ["TZ"] = LOCAL_ZONE
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def loaded(load_app: Callable[..., LoadedApp], clock: FakeClock) -> LoadedApp:
    """The learner's app, whose `get_clock` dependency answers with `clock`."""
    return with_clock(load_app(), clock, why="set the time")


def valid_order(number: int) -> dict[str, Any]:
    """A valid order whose email, address and skus are its own (orders never share them)."""
    return {
        "email": f"customer{number}@example.com",
        "shippingAddress": {
            "line1": f"{number} Analytical Row",
            "line2": None,
            "city": "London",
            "postalCode": "NW1 6XE",
            "countryCode": "GB",
        },
        "items": [
            {"sku": f"BOOK-{number:04d}", "quantity": 2, "unitPrice": "12.5"},
            {"sku": f"MUG-{number}", "quantity": 1, "unitPrice": "8"},
        ],
        "discountPercent": 10,
        "deliveryWindow": {
            "start": "2030-05-02T09:00:00+02:00",
            "end": "2030-05-02T13:00:00+02:00",
        },
        "payment": {
            "type": "card",
            "cardNumber": "4242 4242 4242 4242",
            "expiryMonth": 12,
            "expiryYear": 2031,
            "cvc": "123",
        },
    }


#: `new_order()`: a fresh valid order (a deep copy: change it freely);
#: `new_order(discountPercent=5)`: one with top-level fields replaced.
NewOrder = Callable[..., dict[str, Any]]


@pytest.fixture
def new_order() -> NewOrder:
    numbers = itertools.count(1)

    def new_order(**changes: Any) -> dict[str, Any]:
        return {**copy.deepcopy(valid_order(next(numbers))), **changes}

    return new_order


#: `await place(body, "with ...")`: POST /orders, expect 201 and a JSON object; returns it.
Place = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def place(client: SpecClient) -> Place:
    async def place(body: Any, case: str = "with a valid order") -> dict[str, Any]:
        response = await client.post("/orders", json=body)
        if response.status_code != 201:
            raise fail(
                f"{call(response)} {case} → expected 201, got {response.status_code}: "
                f"{body_excerpt(response, 300)}"
            )
        return expect_object(response, 201, "id")

    return place


#: A 422 entry's place, as JSON gives it: `("body", "items", 1, "quantity")`.
Loc = tuple[str | int, ...]

#: `problems(response, {("body", "email")}, "with a 255-character email")`: fail unless the
#: response is a 422 whose entries' locs are exactly those.
Problems = Callable[[httpx.Response, set[Loc], str], None]


def _shown(loc: Loc) -> str:
    return json.dumps(list(loc))


@pytest.fixture
def problems() -> Problems:
    def problems(response: httpx.Response, expected: set[Loc], case: str) -> None:
        wanted = ", ".join(sorted(_shown(loc) for loc in expected))
        if response.status_code != 422:
            raise fail(
                f"{call(response)} {case} → expected 422 with a problem at {wanted}, got "
                f"{response.status_code}: {body_excerpt(response, 240)}"
            )
        got = locs_of(response, case)
        if got != expected:
            missing = ", ".join(sorted(_shown(loc) for loc in expected - got)) or "none"
            extra = ", ".join(sorted(_shown(loc) for loc in got - expected)) or "none"
            raise fail(
                f"{call(response)} {case} → expected the 422 to point at {wanted} only; "
                f"missing: {missing}; pointing elsewhere: {extra}"
            )

    return problems


def locs_of(response: httpx.Response, case: str) -> set[Loc]:
    """The `loc` of every entry of a 422's `detail`."""
    try:
        detail = response.json()["detail"]
        found = {tuple(entry["loc"]) for entry in detail}
    except (ValueError, KeyError, TypeError):
        raise fail(
            f"{call(response)} {case} → expected FastAPI's validation error, "
            f'{{"detail": [{{"loc": [...], ...}}]}}, got {body_excerpt(response, 200)}'
        ) from None
    return found


_DATETIME = TypeAdapter(datetime)

#: `utc_time(value, "createdAt in POST /orders")`: the value as an aware datetime; fails unless
#: it is an ISO 8601 time in UTC with its offset written.
UtcTime = Callable[[Any, str], datetime]


@pytest.fixture
def utc_time() -> UtcTime:
    return _utc_time


def _utc_time(value: Any, what: str) -> datetime:
    if not isinstance(value, str) or "T" not in value:
        raise fail(f"{what} should be an ISO 8601 time, got {json.dumps(value)}")
    try:
        moment = _DATETIME.validate_python(value)
    except ValidationError:
        raise fail(f"{what} should be an ISO 8601 time, got {json.dumps(value)}") from None
    offset = moment.utcoffset()
    if offset is None:
        raise fail(f"{what} is {json.dumps(value)}: a time without an offset (naive)")
    if offset:
        raise fail(f"{what} is {json.dumps(value)}: the right time, but not in UTC")
    return moment


def keys_of(node: Any) -> Iterator[str]:
    """Every key of every object in `node`, however deep."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from keys_of(value)
    elif isinstance(node, list):
        for item in node:
            yield from keys_of(item)


#: The fields of each object of an order, as every response shows it.
ORDER_FIELDS = {
    "id",
    "status",
    "createdAt",
    "email",
    "shippingAddress",
    "items",
    "discountPercent",
    "deliveryWindow",
    "payment",
    "subtotal",
    "discount",
    "total",
}
ADDRESS_FIELDS = {"line1", "line2", "city", "postalCode", "countryCode"}
ITEM_FIELDS = {"sku", "quantity", "unitPrice", "lineTotal"}
WINDOW_FIELDS = {"start", "end"}
PAYMENT_FIELDS = {"type", "last4"}

#: `public_shape(response, order)`: fail unless the order has exactly the public fields at
#: every level.
PublicShape = Callable[[httpx.Response, Any], None]


@pytest.fixture
def public_shape() -> PublicShape:
    return _public_shape


def _public_shape(response: httpx.Response, order: Any) -> None:
    what = call(response)
    _exact(what, "the order", order, ORDER_FIELDS)
    _exact(what, '"shippingAddress"', order["shippingAddress"], ADDRESS_FIELDS)
    if not isinstance(order["items"], list):
        raise fail(f'{what} → "items" should be an array, got {json.dumps(order["items"])}')
    for index, item in enumerate(order["items"]):
        _exact(what, f'"items"[{index}]', item, ITEM_FIELDS)
    _exact(what, '"deliveryWindow"', order["deliveryWindow"], WINDOW_FIELDS)
    _exact(what, '"payment"', order["payment"], PAYMENT_FIELDS)


def _exact(what: str, name: str, node: Any, fields: set[str]) -> None:
    if not isinstance(node, dict):
        raise fail(f"{what} → {name} should be an object, got {json.dumps(node)[:120]}")
    extra, missing = sorted(set(node) - fields), sorted(fields - set(node))
    found = [f"it also has {', '.join(extra)}"] if extra else []
    found += [f"it lacks {', '.join(missing)}"] if missing else []
    if found:
        raise fail(
            f"{what} → {name} should have exactly the fields {', '.join(sorted(fields))}: "
            + "; ".join(found)
        )


def shown(value: Any) -> str:
    """A value as a message shows it: JSON, long strings abbreviated."""
    if isinstance(value, str) and len(value) > 40:
        return f'a {len(value)}-character string ({json.dumps(value[:12])[:-1]}…")'
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def path_name(path: Loc) -> str:
    """`("items", 1, "sku")` as `items[1].sku`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


def case_of(path: Loc, value: Any) -> str:
    """`with items[1].sku = "AB"`, or `with items[1].sku left out`."""
    if value is ...:
        return f"with {path_name(path)} left out"
    return f"with {path_name(path)} = {shown(value)}"


def with_value(body: dict[str, Any], path: Loc, value: Any) -> dict[str, Any]:
    """A copy of `body` with the value at `path` replaced (`...` leaves the field out)."""
    changed = copy.deepcopy(body)
    node: Any = changed
    for part in path[:-1]:
        node = node[part]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return changed


#: `await field_check(("items", 1, "sku"), valid=["ABC"], invalid=["AB"])`: POST /orders with
#: each value at that place; each valid one must answer 201, each invalid one a 422 pointing at
#: `loc` (by default the place itself). `...` among the values leaves the field out.
FieldCheck = Callable[..., Awaitable[None]]


@pytest.fixture
def field_check(
    client: SpecClient, new_order: NewOrder, place: Place, problems: Problems
) -> FieldCheck:
    async def field_check(
        path: Loc,
        *,
        valid: list[Any] | tuple[Any, ...] = (),
        invalid: list[Any] | tuple[Any, ...] = (),
        loc: Loc | None = None,
    ) -> None:
        for value in valid:
            await place(with_value(new_order(), path, value), case_of(path, value))
        for value in invalid:
            response = await client.post("/orders", json=with_value(new_order(), path, value))
            where = ("body", *path) if loc is None else loc
            problems(response, {where}, case_of(path, value))

    return field_check
