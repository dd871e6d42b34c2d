"""A bookshop's catalogue API, built from dependencies: one database for the app, one session per
request, reusable paging and filters, prices in the client's currency from an outside rates
service, and an admin API behind a key, with an audit log.

TODO: open the database in the lifespan, and write the public endpoints with the dependencies of
dependencies.py. See README.md.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from admin import router as admin_router
from rates import open_rates_service
from schemas import BookPage, BookPublic
from settings import get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    # Don't change this: the rates service lives as long as the app (get_rates_service reads it).
    async with open_rates_service(settings) as rates_service:
        app.state.rates_service = rates_service
        # TODO: open one Database for the app (database.py), create its tables, keep it where
        # get_database can find it, and close it when the app stops (task 1).
        yield


app = FastAPI(title="Bookshop", lifespan=lifespan)


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness probe: no database, no rates, no key."""
    return {"status": "ok"}


@app.get("/books")
def list_books() -> BookPage:
    """One page of the catalogue, filtered, prices in the client's currency."""
    # TODO: the session, Pagination, BookFilters and the currency converter as dependencies;
    # database.find_books runs the query (tasks 2 and 3).
    raise NotImplementedError


@app.get("/books/{book_id}")
def read_book() -> BookPublic:
    """One book, its price in the client's currency."""
    # TODO: the book from get_book, and its price in the client's currency (tasks 1 and 3).
    raise NotImplementedError


app.include_router(admin_router)
