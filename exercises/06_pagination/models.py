"""The ORM model: the `products` table.

Don't change this: the grader relies on it.
"""

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The declarative base every ORM model inherits from."""


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(50), index=True)
    # Money in whole cents: integers compare and sum exactly, floats do not.
    price: Mapped[int]

    # Internal: what the supplier charges us. Never shown to clients, never sortable by them.
    cost: Mapped[int]
