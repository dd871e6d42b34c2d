"""The admin API: every route behind the X-API-Key check, every accepted request audited."""

from decimal import Decimal

from fastapi import APIRouter, Depends, HTTPException, Response, status
from sqlalchemy.exc import IntegrityError

from database import Book, find_audit_entries
from dependencies import (
    BASE_CURRENCY,
    BookDep,
    PaginationDep,
    PriceConverter,
    SessionDep,
    record_audit,
    require_api_key,
)
from schemas import AuditEntryPublic, AuditPage, BookCreate, BookPublic, BookUpdate, PriceChanges

# In this order: the key first, so a request refused for its key never reaches the audit log.
router = APIRouter(prefix="/admin", dependencies=[Depends(require_api_key), Depends(record_audit)])

#: Admin answers show the prices as stored, in euro cents.
AS_STORED = PriceConverter(BASE_CURRENCY, Decimal(1))


@router.post("/books", status_code=status.HTTP_201_CREATED)
def create_book(data: BookCreate, session: SessionDep) -> BookPublic:
    # Only the fields BookCreate declares reach the model: the server picks the id.
    book = Book(**data.model_dump())
    session.add(book)
    try:
        # Committed before the answer: code after a dependency's yield runs too late for a 409.
        session.commit()
    except IntegrityError:
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, "A book with this ISBN exists") from None
    return AS_STORED.present(book)


@router.patch("/books/{book_id}")
def update_book(book: BookDep, data: BookUpdate, session: SessionDep) -> BookPublic:
    # `book` was loaded in this same session (one per request), so committing it saves it.
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(book, field, value)
    session.commit()
    return AS_STORED.present(book)


@router.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_book(book: BookDep, session: SessionDep) -> Response:
    session.delete(book)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/prices")
def change_prices(data: PriceChanges, session: SessionDep) -> list[BookPublic]:
    changed: dict[int, Book] = {}
    for change in data.changes:
        book = session.get(Book, change.book_id)
        if book is None:
            # Nothing is committed: the session's cleanup rolls back the changes made so far.
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No book {change.book_id}")
        book.price_cents = change.price_cents
        changed[book.id] = book
    session.commit()
    return [AS_STORED.present(changed[book_id]) for book_id in sorted(changed)]


@router.get("/audit")
def read_audit(session: SessionDep, page: PaginationDep) -> AuditPage:
    entries, total = find_audit_entries(session, offset=page.offset, limit=page.limit)
    return AuditPage(
        items=[AuditEntryPublic.model_validate(entry) for entry in entries],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )
