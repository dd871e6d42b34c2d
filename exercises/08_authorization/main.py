"""Expense claims for several organisations: who may do what, to which objects.

Don't change this: the grader relies on it (it runs this lifespan for every spec).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import admin
import auth
import expenses
import users
from database import Base, SessionFactory, engine
from seed import seed


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    Base.metadata.create_all(engine)
    with SessionFactory() as session:
        seed(session)
    yield
    engine.dispose()


app = FastAPI(title="Expense claims", lifespan=lifespan)
app.include_router(auth.router)
app.include_router(users.router)
app.include_router(expenses.router)
app.include_router(admin.router)
