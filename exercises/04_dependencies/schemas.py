"""What clients send and what they get back.

Don't change this: the grader relies on the fields, their names and their limits.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: A book id: a positive whole number that fits SQLite's integers.
BookId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Author = Annotated[str, Field(min_length=1, max_length=100)]
PriceCents = Annotated[int, Field(ge=0, le=1_000_000)]


class BookCreate(BaseModel):
    """A new book; the server picks its id."""

    isbn: Annotated[str, Field(pattern=r"^[0-9]{13}$")]
    title: Title
    author: Author
    price_cents: PriceCents


class BookUpdate(BaseModel):
    """A partial update: the fields left out stay as they are."""

    title: Title | None = None
    author: Author | None = None
    price_cents: PriceCents | None = None

    @field_validator("title", "author", "price_cents", mode="before")
    @classmethod
    def not_null(cls, value: object) -> object:
        # None is only the default for a field left out; a client's explicit null is refused.
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class BookPublic(BaseModel):
    """A book as clients see it, its price in the currency they asked for."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    isbn: str
    title: str
    author: str
    price_cents: int
    currency: str


class BookPage(BaseModel):
    """One page of the catalogue."""

    items: list[BookPublic]
    total: int
    offset: int
    limit: int


class PriceChange(BaseModel):
    book_id: BookId
    price_cents: PriceCents


class PriceChanges(BaseModel):
    """New prices for several books, applied all together or not at all."""

    changes: Annotated[list[PriceChange], Field(min_length=1, max_length=50)]


class AuditEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    method: str
    path: str
    outcome: Literal["succeeded", "failed"]


class AuditPage(BaseModel):
    """One page of the audit log."""

    items: list[AuditEntryPublic]
    total: int
    offset: int
    limit: int
