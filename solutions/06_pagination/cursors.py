"""Opaque cursors for keyset pagination: where the last page ended, signed by the server.

A cursor is `<payload>.<signature>`, both base64url without padding. The payload is JSON; the
signature is its HMAC-SHA256 under `CURSOR_SECRET`. Base64 alone hides nothing: without the
signature any client could forge a position, and the server would trust it.
"""

import base64
import hashlib
import hmac

from pydantic import BaseModel, ConfigDict, ValidationError


class InvalidCursor(ValueError):
    """The token is not a cursor this server issued."""


class Position(BaseModel):
    """Where a page ended: the sort it was read under, and its last row's sort value and id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sort: str
    value: int | str
    id: int


def encode_cursor(position: Position, secret: str) -> str:
    # Signed, so the server can trust a position that has travelled through a client.
    payload = position.model_dump_json().encode()
    return f"{_encode(payload)}.{_encode(_sign(payload, secret))}"


def decode_cursor(token: str, secret: str) -> Position:
    """The position `token` holds; `InvalidCursor` unless this server signed it."""
    encoded_payload, dot, encoded_signature = token.partition(".")
    if not dot:
        raise InvalidCursor("not a cursor")
    try:
        payload = _decode(encoded_payload)
        signature = _decode(encoded_signature)
    except ValueError as error:  # binascii.Error and non-ASCII input are both ValueErrors
        raise InvalidCursor("not a cursor") from error
    # Constant time: a byte-by-byte comparison would leak, through timing, how much matched.
    if not hmac.compare_digest(signature, _sign(payload, secret)):
        raise InvalidCursor("bad signature")
    try:
        return Position.model_validate_json(payload)
    except ValidationError as error:
        raise InvalidCursor("bad payload") from error


def _sign(payload: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode(), payload, hashlib.sha256).digest()


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
