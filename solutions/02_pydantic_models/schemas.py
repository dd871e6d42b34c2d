"""The order's models: what a client may send (`OrderCreate`), and what it gets (`OrderPublic`)."""

from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

from base import CENT, Money, MoneyOut, PublicModel, RequestModel, UtcDatetime
from payments import Payment, PaymentPublic

Sku = Annotated[str, Field(pattern=r"^[A-Z0-9-]{3,20}$")]


def _has_utc(moment: datetime) -> datetime:
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        # Year 0 or 10000 in UTC: a 422 at the field, not an OverflowError (500) in the store.
        raise ValueError("this time has no UTC equivalent") from None
    return moment


DeliveryTime = Annotated[AwareDatetime, AfterValidator(_has_utc)]


class Address(RequestModel):
    line1: Annotated[str, Field(min_length=1, max_length=100)]
    line2: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    city: Annotated[str, Field(min_length=1, max_length=60)]
    postal_code: Annotated[str, Field(min_length=1, max_length=12)]
    country_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class Item(RequestModel):
    sku: Sku
    quantity: Annotated[int, Field(ge=1, le=1000)]
    unit_price: Money


class DeliveryWindow(RequestModel):
    start: DeliveryTime
    end: DeliveryTime

    # A rule across fields belongs to the model, so every body that holds a window obeys it;
    # "after" runs only once both fields are valid, aware datetimes.
    @model_validator(mode="after")
    def _one_hour_to_seven_days(self) -> "DeliveryWindow":
        length = self.end - self.start
        if not timedelta(hours=1) <= length <= timedelta(days=7):
            raise ValueError("end must be between 1 hour and 7 days after start")
        return self


class OrderCreate(RequestModel):
    """The body of POST /orders."""

    email: Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
    shipping_address: Address
    items: Annotated[list[Item], Field(min_length=1, max_length=20)]
    discount_percent: Annotated[int, Field(ge=0, le=100)] = 0
    delivery_window: DeliveryWindow
    payment: Payment

    @field_validator("items")
    @classmethod
    def _one_line_per_sku(cls, items: list[Item]) -> list[Item]:
        skus = [item.sku for item in items]
        if len(set(skus)) != len(skus):
            raise ValueError("each sku may appear only once")
        return items


class AddressPublic(PublicModel):
    line1: str
    line2: str | None
    city: str
    postal_code: str
    country_code: str


class ItemPublic(PublicModel):
    sku: str
    quantity: int
    unit_price: MoneyOut

    @computed_field
    def line_total(self) -> MoneyOut:
        return self.unit_price * self.quantity


class DeliveryWindowPublic(PublicModel):
    start: UtcDatetime
    end: UtcDatetime


class OrderPublic(PublicModel):
    """An order as every response shows it: no card number, no internal fields."""

    id: int
    status: str
    created_at: UtcDatetime
    email: str
    shipping_address: AddressPublic
    items: list[ItemPublic]
    discount_percent: int
    delivery_window: DeliveryWindowPublic
    payment: PaymentPublic

    def _totals(self) -> tuple[Decimal, Decimal, Decimal]:
        """Subtotal, discount and total, in exact Decimal arithmetic."""
        subtotal = sum((item.unit_price * item.quantity for item in self.items), Decimal(0))
        # The one rounding of the order: half a cent goes up, as shops round (not half to even).
        exact = subtotal * self.discount_percent / 100
        discount = exact.quantize(CENT, rounding=ROUND_HALF_UP)
        return subtotal, discount, subtotal - discount

    @computed_field
    def subtotal(self) -> MoneyOut:
        return self._totals()[0]

    @computed_field
    def discount(self) -> MoneyOut:
        return self._totals()[1]

    @computed_field
    def total(self) -> MoneyOut:
        return self._totals()[2]
