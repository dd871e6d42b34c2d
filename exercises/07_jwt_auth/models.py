"""The database tables."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from database import Base


class User(Base):
    __tablename__ = "users"
    # TODO: the id ends up in your tokens. Can a new account ever get a deleted account's id?

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    hashed_password: Mapped[str]


# TODO: a table for the refresh tokens you issue, so that a rotated one can be refused
# (and a reused one can revoke the tokens that replaced it). What must it NOT store?
