"""The ORM model: the `products` table.

Don't change this: the grader relies on it (it reads the `products` table to check that a
client cannot write `internal_notes`).
"""

from datetime import datetime, timezone

from sqlalchemy import Engine, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from database import Base, UTCDateTime


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Product(Base):
    __tablename__ = "products"

    # Server-owned: assigned by the database and by the server, never by a client.
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(1000))
    price_cents: Mapped[int]

    # Internal: written by the back office, never by this API, and never shown to its clients.
    internal_notes: Mapped[str] = mapped_column(Text, default="")


def create_tables(engine: Engine) -> None:
    """Create the table of every model above; tables that exist are left as they are."""
    Base.metadata.create_all(engine)
