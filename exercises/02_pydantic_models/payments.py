"""Payments: one of three kinds, told apart by `type`, and what a response may show of them.

TODO: the three kinds of the README's task 4, the union of them, and the public payment.
"""

from base import PublicModel, RequestModel


class CardPayment(RequestModel):
    """`"type": "card"`."""

    # TODO: type, card_number (spaces ignored, the Luhn check), expiry_month, expiry_year, cvc.


class BankTransferPayment(RequestModel):
    """`"type": "bank_transfer"`."""

    # TODO: type, iban.


class GiftCardPayment(RequestModel):
    """`"type": "gift_card"`."""

    # TODO: type, code.


# TODO: Payment, one of the three kinds, chosen by `type` alone.


class PaymentPublic(PublicModel):
    """What a response shows of a payment."""

    # TODO: type and last4, and nothing else.
