"""A small bank: customers, their accounts and transfers, on SQLAlchemy's asyncio API.

TODO: write the endpoints of the README's tasks, with the session dependency of database.py
and the models you write in schemas.py.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

# Don't change this: importing models.py puts its tables on Base.metadata for the lifespan.
import models  # noqa: F401
from database import Base, engine


# Don't change this: the grader relies on it (every spec starts the app on an empty database).
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield
    await engine.dispose()


app = FastAPI(title="Bank", lifespan=lifespan)


# Don't change this: the grader asks it while the database is locked (it touches no database).
@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


# TODO: name the session dependency once (an `Annotated` alias) so every endpoint can use it.

# TODO: POST /customers, GET /customers, GET /customers/{customer_id} and
# POST /customers/{customer_id}/accounts, GET /accounts/{account_id} (task 1).

# TODO: POST /transfers (task 2).

# TODO: PATCH /customers/{customer_id} (task 3).
