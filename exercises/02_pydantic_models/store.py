"""The order store: where orders are kept, and the ORM-like rows it hands back.

Don't change this file: the grader relies on it. It stands in for a database layer. `add` takes
an order as plain Python data, exactly as `OrderCreate.model_dump()` gives it (snake_case names,
`Decimal` money, aware datetimes), and hands back an `OrderRow`: an object with attributes, not
a dict, the way SQLAlchemy hands back ORM objects. Like most databases (SQLite, MySQL's
DATETIME), the store keeps times in UTC without an offset, so rows come back with naive
datetimes. Rows also hold internal data that no client may ever see.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any


@dataclass
class AddressRow:
    line1: str
    line2: str | None
    city: str
    postal_code: str
    country_code: str


@dataclass
class ItemRow:
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass
class DeliveryWindowRow:
    start: datetime  # naive, in UTC
    end: datetime  # naive, in UTC


@dataclass
class PaymentRow:
    type: str  # "card", "bank_transfer" or "gift_card"
    last4: str  # the last four characters of the card number, IBAN or gift card code
    token: str  # internal: the payment provider's reference, never shown to clients


@dataclass
class OrderRow:
    id: int
    created_at: datetime  # naive, in UTC
    status: str
    email: str
    shipping_address: AddressRow
    items: list[ItemRow]
    discount_percent: int
    delivery_window: DeliveryWindowRow
    payment: PaymentRow
    risk_score: int  # internal: the fraud check's verdict, never shown to clients


#: The field of each kind of payment that identifies the card, account or gift card.
SECRET_FIELDS = {"card": "card_number", "bank_transfer": "iban", "gift_card": "code"}


class OrderStore:
    """Orders in memory, one store per app; ids count up from 1."""

    def __init__(self) -> None:
        self._rows: dict[int, OrderRow] = {}
        self._next_id = 1
        self._lock = threading.Lock()

    def add(self, order: Mapping[str, Any], *, now: datetime) -> OrderRow:
        """Store an order given as `OrderCreate.model_dump()` gives it, created at `now` (aware)."""
        items = [ItemRow(**item) for item in order["items"]]
        for item in items:
            if not isinstance(item.unit_price, Decimal):
                raise TypeError(f"unit_price must be a Decimal, got {type(item.unit_price)}")
        row = OrderRow(
            id=0,
            created_at=_naive_utc(now),
            status="received",
            email=order["email"],
            shipping_address=AddressRow(**order["shipping_address"]),
            items=items,
            discount_percent=order["discount_percent"],
            delivery_window=_window(order["delivery_window"]),
            payment=_payment(order["payment"]),
            risk_score=min(99, 10 * len(items) + order["discount_percent"]),
        )
        with self._lock:
            row.id = self._next_id
            self._next_id += 1
            self._rows[row.id] = row
        return row

    def get(self, order_id: int) -> OrderRow | None:
        """The order with this id, or None."""
        return self._rows.get(order_id)

    def all(self) -> list[OrderRow]:
        """Every order, by id."""
        return [self._rows[order_id] for order_id in sorted(self._rows)]

    def set_delivery_window(self, order_id: int, window: Mapping[str, Any]) -> OrderRow | None:
        """Replace the delivery window (`start`, `end`: aware datetimes); None if no such order."""
        row = self._rows.get(order_id)
        if row is not None:
            row.delivery_window = _window(window)
        return row


def _naive_utc(moment: datetime) -> datetime:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"the store needs aware datetimes, got {moment!r}")
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _window(window: Mapping[str, Any]) -> DeliveryWindowRow:
    return DeliveryWindowRow(start=_naive_utc(window["start"]), end=_naive_utc(window["end"]))


def _payment(payment: Mapping[str, Any]) -> PaymentRow:
    kind = payment["type"]
    secret = str(payment[SECRET_FIELDS[kind]])
    digest = hashlib.sha256(f"{kind}:{secret}".encode()).hexdigest()
    return PaymentRow(type=kind, last4=secret[-4:], token=f"tok_{digest[:24]}")
