"""The ORM models: customers and their accounts.

Don't change this: the grader relies on it (it reads and writes these tables straight in the
database file, and checks that your migrations end at exactly this schema).
"""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from database import Base


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Optimistic concurrency: every change of the customer adds one to it.
    version: Mapped[int] = mapped_column(default=1)

    # The default loading is lazy: reading it un-loaded from async code raises MissingGreenlet.
    accounts: Mapped[list["Account"]] = relationship(
        back_populates="customer", order_by="Account.id"
    )


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    # Money as a whole number of cents (revision 0002); revision 0001 had a float `balance`.
    balance_cents: Mapped[int]

    customer: Mapped[Customer] = relationship(back_populates="accounts")
