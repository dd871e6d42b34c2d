"""A bookshop's catalogue API, built from dependencies: one database for the app, one session per
request, reusable paging and filters, prices in the client's currency from an outside rates
service, and an admin API behind a key, with an audit log."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from admin import router as admin_router
from database import Database, find_books
from dependencies import BookDep, BookFiltersDep, ConverterDep, PaginationDep, SessionDep
from rates import open_rates_service
from schemas import BookPage, BookPublic
from settings import get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    # Don't change this: the rates service lives as long as the app (get_rates_service reads it).
    async with open_rates_service(settings) as rates_service:
        app.state.rates_service = rates_service
        # One Database, so one pool of connections, for every request the app will serve.
        database = Database(settings.database_url)
        database.create_tables()
        app.state.database = database
        try:
            yield
        finally:
            database.close()


app = FastAPI(title="Bookshop", lifespan=lifespan)


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness probe: no database, no rates, no key."""
    return {"status": "ok"}


@app.get("/books")
def list_books(
    session: SessionDep, page: PaginationDep, filters: BookFiltersDep, converter: ConverterDep
) -> BookPage:
    """One page of the catalogue, filtered, prices in the client's currency."""
    books, total = find_books(
        session, author=filters.author, q=filters.q, offset=page.offset, limit=page.limit
    )
    return BookPage(
        items=[converter.present(book) for book in books],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )


@app.get("/books/{book_id}")
def read_book(book: BookDep, converter: ConverterDep) -> BookPublic:
    """One book, its price in the client's currency."""
    return converter.present(book)


# The key and the audit log are the admin router's own: the routes above never see them.
app.include_router(admin_router)
