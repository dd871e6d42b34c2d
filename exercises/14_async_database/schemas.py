"""The API's models: what clients may send and what they get back.

TODO: write the models the README describes. The ORM models in models.py are not API models:
a client never sets `id`, `version` or `customer_id` through them.
"""

from pydantic import BaseModel


class CustomerCreate(BaseModel):
    """The body of POST /customers."""

    # TODO: name, with the README's limits.


class CustomerUpdate(BaseModel):
    """The body of PATCH /customers/{customer_id}."""

    # TODO: name and the version the client last read.


class AccountCreate(BaseModel):
    """The body of POST /customers/{customer_id}/accounts."""

    # TODO: the opening balance in cents.


class TransferCreate(BaseModel):
    """The body of POST /transfers."""

    # TODO: the two accounts and the amount in cents.


class AccountPublic(BaseModel):
    """An account as every response shows it."""

    # TODO: id, customer_id, balance_cents.


class CustomerPublic(BaseModel):
    """A customer as every response shows it, with its accounts."""

    # TODO: id, name, version and accounts.
