"""A products API: create, read, list, update and delete products stored with SQLAlchemy.

TODO: write the endpoints of the README's tasks, using the session dependency in database.py
and the models you write in schemas.py.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from database import engine
from models import create_tables


# Don't change this: the grader relies on it (every spec starts the app on an empty database).
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    create_tables(engine)
    yield
    engine.dispose()


app = FastAPI(title="Products", lifespan=lifespan)

# TODO: name the session dependency once (an `Annotated` alias) so every endpoint can use it.

# TODO: POST /products, GET /products, GET /products/{product_id} (task 1).

# TODO: PATCH /products/{product_id} (tasks 2 and 4).

# TODO: DELETE /products/{product_id} (task 3).
