"""The catalogue's database: the tables, the seed books, and the `Database` that opens sessions.

Don't change this: the grader relies on it.
"""

from sqlalchemy import String, create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    """The declarative base every ORM model inherits from."""


class Book(Base):
    """A book of the catalogue; its price is in euro cents."""

    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    isbn: Mapped[str] = mapped_column(String(13), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]


class AuditEntry(Base):
    """One request to the admin API, written once it is over."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(10))


#: The catalogue every database starts with: (isbn, title, author, price in euro cents).
SEED_BOOKS = [
    ("9780000000001", "The Pragmatic Pythonista", "Ada Quill", 3999),
    ("9780000000002", "Async All the Way Down", "Ben Okafor", 4550),
    ("9780000000003", "Types at Work", "Ada Quill", 2999),
    ("9780000000004", "The SQL Field Guide", "Chen Liu", 3650),
    ("9780000000005", "Dependency Injection by Hand", "Dora Weiss", 2750),
    ("9780000000006", "100% Test Coverage", "Ben Okafor", 1999),
    ("9780000000007", "snake_case Forever", "Eli Marsh", 1250),
    ("9780000000008", "HTTP for Humans", "Chen Liu", 3299),
    ("9780000000009", "The Pydantic Cookbook", "Dora Weiss", 4299),
    ("9780000000010", "Clean APIs", "Ada Quill", 3500),
    ("9780000000011", "Queues and Workers", "Eli Marsh", 2890),
    ("9780000000012", "Serving Python", "Ben Okafor", 5000),
]


class Database:
    """The app's database: one engine, and so one pool of connections, for the whole app.

    Make one when the app starts and close it when the app stops; every request takes a short
    session from it with `session()`.
    """

    def __init__(self, url: str) -> None:
        # Sync endpoints run in a thread pool, so SQLite must accept connections from any thread.
        connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
        self.engine = create_engine(url, connect_args=connect_args)
        # autoflush=False: a session writes nothing before it commits, so an uncommitted session
        # never holds SQLite's write lock while another one (an audit entry's) wants it.
        self._sessions = sessionmaker(self.engine, autoflush=False)

    def create_tables(self) -> None:
        """Create the tables, and put the seed books in an empty catalogue."""
        Base.metadata.create_all(self.engine)
        with self.session() as session:
            if session.scalar(select(func.count()).select_from(Book)) == 0:
                session.add_all(
                    Book(isbn=isbn, title=title, author=author, price_cents=price)
                    for isbn, title, author, price in SEED_BOOKS
                )
                session.commit()

    def session(self) -> Session:
        """A new session; whoever opens it must close it."""
        return self._sessions()

    def close(self) -> None:
        """Close every connection of the pool; the app is stopping."""
        self.engine.dispose()


def find_books(
    session: Session, *, author: str | None, q: str | None, offset: int, limit: int
) -> tuple[list[Book], int]:
    """One page of the books that match, in id order, and how many match in all.

    `author` must equal the book's author exactly; `q` must occur in its title, ignoring case,
    with `%` and `_` taken literally.
    """
    conditions = []
    if author is not None:
        conditions.append(Book.author == author)
    if q is not None:
        conditions.append(Book.title.icontains(q, autoescape=True))
    total = session.scalar(select(func.count()).select_from(Book).where(*conditions)) or 0
    books = session.scalars(
        select(Book).where(*conditions).order_by(Book.id).offset(offset).limit(limit)
    )
    return list(books), total


def find_audit_entries(
    session: Session, *, offset: int, limit: int
) -> tuple[list[AuditEntry], int]:
    """One page of the audit log, oldest first, and how many entries it holds in all."""
    total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    entries = session.scalars(
        select(AuditEntry).order_by(AuditEntry.id).offset(offset).limit(limit)
    )
    return list(entries), total
