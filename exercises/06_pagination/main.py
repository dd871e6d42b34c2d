"""A product catalog listed two ways: offset pages with a total, and a keyset feed.

Both lists filter (`category`, `min_price`, `max_price`, `q`) and sort by an allow-listed field
(`sort=price`, `sort=-price`), and both link to their neighbours in the body and in a `Link`
header. The create endpoints exist so the catalog can be seeded.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Body, FastAPI, status

from database import SessionDep, engine
from models import Base, Product
from schemas import ProductCreate, ProductPublic


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Don't change this: the grader relies on the table existing once the app has started.
    Base.metadata.create_all(engine)
    yield
    engine.dispose()


app = FastAPI(title="Catalog", lifespan=lifespan)


# Don't change this: the grader seeds the catalog through it.
@app.post("/products", status_code=status.HTTP_201_CREATED)
def create_product(product: ProductCreate, session: SessionDep) -> ProductPublic:
    row = Product(**product.model_dump())
    session.add(row)
    session.commit()
    session.refresh(row)
    return ProductPublic.model_validate(row)


# Don't change this: the grader seeds the catalog through it.
@app.post("/products/bulk", status_code=status.HTTP_201_CREATED)
def create_products(
    products: Annotated[list[ProductCreate], Body(max_length=500)], session: SessionDep
) -> list[ProductPublic]:
    rows = [Product(**product.model_dump()) for product in products]
    session.add_all(rows)
    session.flush()
    created = [ProductPublic.model_validate(row) for row in rows]
    session.commit()
    return created


# TODO: GET /products (Tasks 1 to 4): one page of `limit` products from `offset`, filtered and
# sorted, with the total of the filtered set and next/prev links in the body and a Link header.


# TODO: GET /products/feed (Task 5): keyset pages that continue after a signed, opaque cursor;
# same filters and sort, a next_cursor and a next link; 400 for a cursor it did not issue.
