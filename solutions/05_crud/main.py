"""A products API: create, read, list, update and delete products stored with SQLAlchemy."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from database import engine, get_session
from models import Product, create_tables
from schemas import MAX_INTEGER, ProductCreate, ProductPublic, ProductUpdate


# Don't change this: the grader relies on it (every spec starts the app on an empty database).
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    create_tables(engine)
    yield
    engine.dispose()


app = FastAPI(title="Products", lifespan=lifespan)

# Named once, so every endpoint declares its session the same way.
SessionDep = Annotated[Session, Depends(get_session)]


def get_product(product_id: int, session: SessionDep) -> Product:
    """The product in the path, or 404."""
    # An id past SQLite's 64-bit integers names no product; the driver would raise on it.
    product = session.get(Product, product_id) if abs(product_id) <= MAX_INTEGER else None
    if product is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Product not found")
    return product


# Every endpoint on /products/{product_id} shares one lookup, so all of them answer 404 alike.
ProductDep = Annotated[Product, Depends(get_product)]


def commit_or_409(session: Session) -> None:
    """Commit, turning a duplicate SKU into 409 Conflict."""
    try:
        session.commit()
    except IntegrityError:
        # A failed flush leaves the session unusable until it is rolled back.
        session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT, "A product with this SKU already exists"
        ) from None


@app.post("/products", status_code=status.HTTP_201_CREATED)
def create_product(data: ProductCreate, session: SessionDep) -> ProductPublic:
    # Only the fields ProductCreate declares reach the ORM model: no mass assignment.
    product = Product(**data.model_dump())
    session.add(product)
    commit_or_409(session)
    # The response must show the server-set id and created_at.
    session.refresh(product)
    return ProductPublic.model_validate(product)


@app.get("/products")
def list_products(session: SessionDep) -> list[ProductPublic]:
    # A stable order, so clients see the same list twice.
    products = session.scalars(select(Product).order_by(Product.id))
    return [ProductPublic.model_validate(product) for product in products]


@app.get("/products/{product_id}")
def read_product(product: ProductDep) -> ProductPublic:
    # ProductPublic, not the ORM object: internal_notes never leaves the server.
    return ProductPublic.model_validate(product)


@app.patch("/products/{product_id}")
def update_product(product: ProductDep, data: ProductUpdate, session: SessionDep) -> ProductPublic:
    # Only the fields the client sent: omitted ones stay, an explicit null clears.
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(product, field, value)
    commit_or_409(session)
    session.refresh(product)
    return ProductPublic.model_validate(product)


@app.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_product(product: ProductDep, session: SessionDep) -> None:
    # 204 No Content: returning None sends no body.
    session.delete(product)
    session.commit()
