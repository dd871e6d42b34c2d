"""The dependencies every endpoint is built from: database, session, book, paging, filters,
prices in the client's currency, the admin key and the audit log.

TODO: write each dependency below (README, tasks 1 to 5), and name each once with `Annotated`
(`SessionDep = Annotated[Session, Depends(get_session)]`) so that endpoints read like prose.
"""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from database import Book, Database
from rates import RatesService


# Don't change this: the grader replaces it with `app.dependency_overrides` (README).
def get_rates_service(request: Request) -> RatesService:
    """The exchange-rate service the app opened when it started."""
    service: RatesService = request.app.state.rates_service
    return service


RatesServiceDep = Annotated[RatesService, Depends(get_rates_service)]


def get_database(request: Request) -> Database:
    """The app's one Database, opened by the lifespan: its pool serves every request."""
    # TODO: return the Database the lifespan opened (task 1).
    raise NotImplementedError


def get_session() -> Iterator[Session]:
    """A session for this request only, closed when the request is over, whatever happened."""
    # TODO: take the Database as a dependency, open a session, yield it, and close it even when
    # the request raised (task 1).
    raise NotImplementedError
    yield


def get_book() -> Book:
    """The book in the path, or 404."""
    # TODO: take `book_id` from the path (1 to 2**63 - 1) and the request's session; 404 when
    # there is no such book (task 1).
    raise NotImplementedError


class Pagination:
    """`offset` and `limit`, with the same defaults and bounds on every list."""

    # TODO: take offset (0 to 10000, default 0) and limit (1 to 50, default 10) from the query
    # string (task 2).


class BookFilters:
    """The catalogue's filters; each one left out matches every book."""

    # TODO: take author and q (1 to 100 characters each, optional) from the query string
    # (task 2).


# TODO: a dependency that takes `currency` from the query string and, unless it is EUR, the
# rates from the service that `get_rates_service` gives, once per request; and gives back
# something that converts euro cents into that currency (task 3).


def require_api_key() -> None:
    """Let the request through only with exactly one X-API-Key header holding the admin key."""
    # TODO: compare with get_settings().admin_api_key (settings.py); 401 with
    # WWW-Authenticate: APIKey otherwise (task 4).
    raise NotImplementedError


def record_audit() -> Iterator[None]:
    """Write one audit entry for the request once it is over, whatever happened in it."""
    # TODO: yield, then write an AuditEntry (database.py) with the outcome, in a transaction of
    # its own (task 5).
    raise NotImplementedError
    yield
