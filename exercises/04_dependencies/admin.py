"""The admin API: every route behind the X-API-Key check, every accepted request audited.

TODO: guard the router with the key and the audit log, and write its endpoints. See README.md,
tasks 4 and 5.
"""

from fastapi import APIRouter, Response, status

from schemas import AuditPage, BookPublic

# TODO: every route of this router needs the key (require_api_key), and every request the key
# lets in is audited (record_audit), in that order (tasks 4 and 5).
router = APIRouter(prefix="/admin")


@router.post("/books", status_code=status.HTTP_201_CREATED)
def create_book() -> BookPublic:
    # TODO: a BookCreate body; commit before answering; 409 for an ISBN another book has.
    raise NotImplementedError


@router.patch("/books/{book_id}")
def update_book() -> BookPublic:
    # TODO: the book from get_book, a BookUpdate body, in the request's one session.
    raise NotImplementedError


@router.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_book() -> Response:
    # TODO: the book from get_book, deleted and committed.
    raise NotImplementedError


@router.post("/prices")
def change_prices() -> list[BookPublic]:
    # TODO: a PriceChanges body, all or nothing: 404 (and no change) if a book is missing.
    raise NotImplementedError


@router.get("/audit")
def read_audit() -> AuditPage:
    # TODO: one page of the audit log, paged by Pagination (database.find_audit_entries).
    raise NotImplementedError
