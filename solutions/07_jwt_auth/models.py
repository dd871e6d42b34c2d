"""The database tables."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from database import Base


class User(Base):
    __tablename__ = "users"
    # AUTOINCREMENT: plain SQLite hands a deleted user's id to the next account, and the id
    # is the tokens' `sub`: a token of the deleted account would log in as the new one.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    hashed_password: Mapped[str]


class RefreshToken(Base):
    """One issued refresh token, known only by its SHA-256: a database leak yields no tokens."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(unique=True)
    #: Every token rotated from the same login shares a family, revoked as one on reuse.
    family: Mapped[str] = mapped_column(index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Set when the token is exchanged; a used token presented again means it was stolen.
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
