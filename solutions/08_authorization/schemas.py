"""What the API reads and answers.

Don't change the response models: every response shows users, expenses and keys through them.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models import ExpenseStatus, Role


class UserPublic(BaseModel):
    """A user, as every response shows one."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    username: str
    display_name: str
    role: Role
    active: bool


class ExpensePublic(BaseModel):
    """An expense, as every response shows one."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_id: int
    amount_cents: int
    description: str
    status: ExpenseStatus
    approved_by: int | None


class ExpenseSummary(BaseModel):
    """What GET /expenses/summary answers."""

    count: int
    total_cents: int


class ApiKeyPublic(BaseModel):
    """An API key, as the admin's list shows it: never the key itself."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class ApiKeyCreated(ApiKeyPublic):
    """The answer of POST /admin/api-keys: the only time the key is ever shown."""

    key: str


# The request bodies list only what a client may write, and refuse anything else with a 422:
# `role`, `org_id`, `owner_id` or `status` sent by a client is a mistake or an attack.
class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A field may be left out of a PATCH, never set to null: defaults are not validated, so this
    # only ever sees an explicit null.
    @field_validator("*")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, but not set to null")
        return value


DisplayName = Annotated[str, Field(min_length=1, max_length=50)]
AmountCents = Annotated[int, Field(ge=1, le=1_000_000)]
Description = Annotated[str, Field(min_length=1, max_length=200)]


class ProfileUpdate(_Body):
    display_name: DisplayName


class ExpenseCreate(_Body):
    amount_cents: AmountCents
    description: Description


class ExpenseUpdate(_Body):
    amount_cents: AmountCents | None = None
    description: Description | None = None


class UserAdminUpdate(_Body):
    role: Role | None = None
    active: bool | None = None


class ApiKeyCreate(_Body):
    name: Annotated[str, Field(min_length=1, max_length=50)]
