"""The API's models: what clients may send and what they get back.

TODO: write the model family the README describes. The ORM model in models.py is not an API
model: it has columns clients must never write (`id`, `created_at`) or see (`internal_notes`).
"""

from pydantic import BaseModel


class ProductBase(BaseModel):
    """The fields a client sends and reads back."""

    # TODO: sku, name, description and price_cents, with the README's limits.


class ProductCreate(ProductBase):
    """The body of POST /products."""

    # TODO: what happens to `id`, `created_at` or `internal_notes` sent by a client?


class ProductUpdate(BaseModel):
    """The body of PATCH /products/{id}: every field may be left out."""

    # TODO: omitted fields stay; null clears description but is a 422 for the required fields.


class ProductPublic(ProductBase):
    """A product as every response shows it: no internal fields."""

    # TODO: the server-set fields, read from an ORM object.
