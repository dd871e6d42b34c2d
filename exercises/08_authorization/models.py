"""The database tables.

Don't change `Organisation`, `User` and `Expense`: `seed.py` fills them, and the grader reads
them (and changes `users.role` and `users.active`) straight in the database file.
"""

from enum import Enum

from sqlalchemy import Enum as SqlEnum
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from database import Base


class Role(str, Enum):
    """What a user is to their organisation."""

    member = "member"
    manager = "manager"
    admin = "admin"


class ExpenseStatus(str, Enum):
    submitted = "submitted"
    approved = "approved"


class Organisation(Base):
    """A tenant: a company whose data no other company ever sees."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    role: Mapped[Role] = mapped_column(SqlEnum(Role, native_enum=False, length=16))
    #: A deactivated user cannot log in, and the tokens they hold are worth nothing.
    active: Mapped[bool] = mapped_column(default=True)
    hashed_password: Mapped[str]


class Expense(Base):
    """An expense claim: submitted by its owner, approved by a manager or an admin."""

    __tablename__ = "expenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount_cents: Mapped[int]
    description: Mapped[str] = mapped_column(String(200))
    status: Mapped[ExpenseStatus] = mapped_column(
        SqlEnum(ExpenseStatus, native_enum=False, length=16), default=ExpenseStatus.submitted
    )
    #: The id of the user who approved it; null while it is submitted.
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# TODO: the API keys of the service accounts (task 7): which organisation each belongs to, its
# name, and what you need to recognise the key. What must the database NOT hold?
