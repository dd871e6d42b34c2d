"""What the API reads and answers.

Don't change the response models: every response shows users, expenses and keys through them.
"""

from pydantic import BaseModel, ConfigDict

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


# TODO: the request bodies, each holding only what a client may write: PATCH /users/me,
# POST and PATCH /expenses, PATCH /admin/users/{user_id}, POST /admin/api-keys.
