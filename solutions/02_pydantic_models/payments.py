"""Payments: one of three kinds, told apart by `type`, and what a response may show of them."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from base import PublicModel, RequestModel


def _without_spaces(value: object) -> object:
    # Anything but a string goes on unchanged, so that the str validator refuses it with a 422.
    return value.replace(" ", "") if isinstance(value, str) else value


def _luhn(number: str) -> str:
    """The card number, if its last digit is the Luhn check digit of the others."""
    total = 0
    for position, digit in enumerate(int(char) for char in reversed(number)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    if total % 10:
        raise ValueError("card number fails the Luhn check")
    return number


# The pattern only sees ASCII digits: `\d` would let "４２４２…" (fullwidth) through to int().
CardNumber = Annotated[
    str,
    BeforeValidator(_without_spaces),
    Field(pattern=r"^[0-9]{12,19}$"),
    AfterValidator(_luhn),
]


class CardPayment(RequestModel):
    type: Literal["card"]
    card_number: CardNumber
    expiry_month: Annotated[int, Field(ge=1, le=12)]
    expiry_year: Annotated[int, Field(ge=2000, le=2099)]
    cvc: Annotated[str, Field(pattern=r"^[0-9]{3,4}$")]


class BankTransferPayment(RequestModel):
    type: Literal["bank_transfer"]
    iban: Annotated[str, Field(pattern=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")]


class GiftCardPayment(RequestModel):
    type: Literal["gift_card"]
    code: Annotated[str, Field(pattern=r"^[A-Z0-9]{16}$")]


# The discriminator picks the one branch `type` names, so errors are that branch's alone and
# their loc says which branch it was; a plain union would try every branch on its shape.
Payment = Annotated[
    CardPayment | BankTransferPayment | GiftCardPayment, Field(discriminator="type")
]


class PaymentPublic(PublicModel):
    """What a response shows of a payment: its kind and the last four characters, no more."""

    type: str
    last4: str
