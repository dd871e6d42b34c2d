"""The API's models: what clients may send and what they get back.

The ORM model in models.py is not an API model: it has columns clients must never write (`id`,
`created_at`) or see (`internal_notes`).
"""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: The largest integer SQLite stores; a larger Python int makes the driver raise, a 500.
MAX_INTEGER = 2**63 - 1

# The README's limits, named once and shared by every model that carries the field.
Sku = Annotated[str, Field(min_length=1, max_length=32)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=1000)]
PriceCents = Annotated[int, Field(ge=0, le=MAX_INTEGER)]


class ProductBase(BaseModel):
    """The fields a client sends and reads back."""

    # Listing the client's fields (not excluding the others) keeps new columns private by default.
    sku: Sku
    name: Name
    description: Description | None = None
    price_cents: PriceCents


class ProductCreate(ProductBase):
    """The body of POST /products."""

    # Unknown fields such as `id`, `created_at` or `internal_notes` are dropped, as the README says.
    model_config = ConfigDict(extra="ignore")


class ProductUpdate(BaseModel):
    """The body of PATCH /products/{id}: every field may be left out."""

    # `None` defaults let fields be omitted; `exclude_unset` tells omitted from an explicit null.
    model_config = ConfigDict(extra="ignore")

    sku: Sku | None = None
    name: Name | None = None
    description: Description | None = None
    price_cents: PriceCents | None = None

    # Defaults are not validated, so this only fires for an explicit null: 422, not a NOT NULL 500.
    @field_validator("sku", "name", "price_cents")
    @classmethod
    def reject_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, but not set to null")
        return value


class ProductPublic(ProductBase):
    """A product as every response shows it: no internal fields."""

    # Built from the ORM object's attributes, reading only the fields declared here.
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
