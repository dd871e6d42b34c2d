"""Opaque cursors for keyset pagination: where the last page ended, signed by the server.

A cursor is `<payload>.<signature>`, both base64url without padding. The payload is JSON; the
signature is its HMAC-SHA256 under `CURSOR_SECRET`. Base64 alone hides nothing: without the
signature any client could forge a position, and the server would trust it.
"""

from pydantic import BaseModel, ConfigDict


class InvalidCursor(ValueError):
    """The token is not a cursor this server issued."""


class Position(BaseModel):
    """Where a page ended: the sort it was read under, and its last row's sort value and id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sort: str
    value: int | str
    id: int


def encode_cursor(position: Position, secret: str) -> str:
    # TODO: the JSON of `position` and its HMAC-SHA256 signature, each base64url-encoded.
    raise NotImplementedError


def decode_cursor(token: str, secret: str) -> Position:
    """The position `token` holds; `InvalidCursor` unless this server signed it."""
    # TODO: split, decode, check the signature in constant time, then validate the payload;
    # every way a token can be wrong must end as InvalidCursor, never as another exception.
    raise NotImplementedError
