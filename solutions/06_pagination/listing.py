"""What both list endpoints share: page size, filters, the sort order and Link headers."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, UnaryExpression, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from models import Product
from schemas import MAX_INTEGER

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Deep offsets make the database skip ever more rows; past this, clients use the feed.
MAX_OFFSET = 10_000

# Declared once, so both endpoints validate limit and offset the same way.
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")]


class ProductFilters(BaseModel):
    """Query parameters narrowing the list; every value is bound as data, never spliced in."""

    category: str | None = Field(default=None, max_length=50)
    # Bounded above too: a bigger integer than SQLite's cannot be bound, and would be a 500.
    min_price: int | None = Field(default=None, ge=0, le=MAX_INTEGER)
    max_price: int | None = Field(default=None, ge=0, le=MAX_INTEGER)
    q: str | None = Field(default=None, max_length=100, description="Substring of the name")

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.category is not None:
            conditions.append(Product.category == self.category)
        if self.min_price is not None:
            conditions.append(Product.price >= self.min_price)
        if self.max_price is not None:
            conditions.append(Product.price <= self.max_price)
        if self.q:
            # autoescape: a `%` or `_` the client typed is a character, not a LIKE wildcard.
            conditions.append(Product.name.icontains(self.q, autoescape=True))
        return conditions


FiltersDep = Annotated[ProductFilters, Query()]

# The allow-list: anything else, `cost` included, is a 422 before it gets near SQL.
SortKey = Literal["id", "-id", "name", "-name", "price", "-price"]
SORTABLE: dict[str, InstrumentedAttribute[Any]] = {
    "id": Product.id,
    "name": Product.name,
    "price": Product.price,
}


@dataclass(frozen=True)
class Sort:
    """A sort key such as `-price`: a column from the allow-list, and a direction."""

    key: str

    @property
    def descending(self) -> bool:
        return self.key.startswith("-")

    @property
    def column(self) -> InstrumentedAttribute[Any]:
        return SORTABLE[self.key.removeprefix("-")]

    def order_by(self) -> list[UnaryExpression[Any]]:
        """ORDER BY the column, then by id in the same direction, so ties have one order."""
        columns = [self.column] if self.column is Product.id else [self.column, Product.id]
        return [column.desc() if self.descending else column.asc() for column in columns]

    def after(self, value: int | str, id: int) -> ColumnElement[bool]:
        """Rows that come after (value, id) in this order: the keyset condition."""
        key = tuple_(self.column, Product.id)
        position = tuple_(literal(value), literal(id))
        return key < position if self.descending else key > position


def get_sort(
    sort: Annotated[SortKey, Query(description="A field, `-field` for descending")] = "id",
) -> Sort:
    return Sort(sort)


SortDep = Annotated[Sort, Depends(get_sort)]


# Links reuse the request's URL, so the filters and sort a client chose survive every page.
def url_with(request: Request, **params: str | int) -> str:
    """The request's own URL with `params` changed: filters and sort stay as the client sent."""
    return str(request.url.include_query_params(**params))


def link_header(**links: str | None) -> str | None:
    """An RFC 8288 `Link` header value for the links that exist, or None if none do."""
    parts = [f'<{url}>; rel="{rel}"' for rel, url in links.items() if url is not None]
    return ", ".join(parts) or None
