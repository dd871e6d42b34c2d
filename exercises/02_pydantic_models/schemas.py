"""The order's models: what a client may send (`OrderCreate`), and what it gets (`OrderPublic`).

TODO: write the models of the README's tables. A request model and a public model are different
models: the first validates what a client sends, the second reads the store's rows.
"""

from base import PublicModel, RequestModel


class Address(RequestModel):
    """A shipping address in a request."""

    # TODO: line1, line2, city, postal_code, country_code, with the README's rules (task 1).


class Item(RequestModel):
    """One item of an order in a request."""

    # TODO: sku, quantity, unit_price (money: task 3).


class DeliveryWindow(RequestModel):
    """A delivery window in a request: the body of PUT /orders/{order_id}/delivery-window too."""

    # TODO: start and end, times with an offset, and the rule across them (task 5).


class OrderCreate(RequestModel):
    """The body of POST /orders."""

    # TODO: email, shipping_address, items (no sku twice), discount_percent, delivery_window,
    # payment (payments.py).


class AddressPublic(PublicModel):
    """A shipping address in a response."""

    # TODO: the address's fields.


class ItemPublic(PublicModel):
    """One item of an order in a response."""

    # TODO: sku, quantity, unit_price, and line_total computed from them.


class DeliveryWindowPublic(PublicModel):
    """A delivery window in a response: UTC times."""

    # TODO: start and end.


class OrderPublic(PublicModel):
    """An order as every response shows it."""

    # TODO: id, status, created_at, the order's fields, and the totals computed from its items.
