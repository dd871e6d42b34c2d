"""The API's models: what clients may send and what they get back."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The largest integer SQLite stores; a larger Python int makes the driver raise, a 500.
MAX_INTEGER = 2**63 - 1

Name = Annotated[str, Field(min_length=1, max_length=100)]
Cents = Annotated[int, Field(ge=0, le=MAX_INTEGER)]
Id = Annotated[int, Field(ge=1, le=MAX_INTEGER)]


class Request(BaseModel):
    """What a client sends: fields the server owns (`id`, `version`, ...) are dropped."""

    model_config = ConfigDict(extra="ignore")


class CustomerCreate(Request):
    name: Name


class CustomerUpdate(Request):
    name: Name
    # The version the client last read: a stale one is a 409, not a silent overwrite.
    version: Id


class AccountCreate(Request):
    balance_cents: Cents


class TransferCreate(Request):
    from_account_id: Id
    to_account_id: Id
    amount_cents: Annotated[int, Field(ge=1, le=MAX_INTEGER)]

    @model_validator(mode="after")
    def two_accounts(self) -> "TransferCreate":
        if self.from_account_id == self.to_account_id:
            raise ValueError("a transfer needs two different accounts")
        return self


class AccountPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    balance_cents: int


class CustomerPublic(BaseModel):
    # Reading `accounts` from an ORM object that did not load them eagerly would be a lazy load.
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    version: int
    accounts: list[AccountPublic]


class TransferPublic(BaseModel):
    from_account: AccountPublic
    to_account: AccountPublic
