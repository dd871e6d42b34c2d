"""Access tokens and passwords: plain functions, no FastAPI.

Don't change this: the grader signs its own tokens in exactly this format (HS256 with
JWT_SECRET; claims `sub`, `scope` and `exp`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from settings import get_settings

#: Every scope a token may carry, and what it lets the token do (shown by /docs).
SCOPES = {
    "expenses:read": "Read the expenses you can see",
    "expenses:write": "Submit and edit your own expenses",
    "expenses:approve": "Approve your colleagues' expenses",
    "admin": "Manage your organisation's users and API keys",
}

ALGORITHM = "HS256"
#: The largest id SQLite stores: a `sub` past it names nobody.
_MAX_ID = 2**63 - 1

_passwords = PasswordHash((Argon2Hasher(),))
# Checked when the username is unknown, so that the answer takes as long as a wrong password.
_DECOY_HASH = (
    "$argon2id$v=19$m=19456,t=2,p=4$"
    "ZWzYgCN2LpjfSW4lXtR3iQ$IHh1nlKgx8GrmQeWF8ao+shbgni8m0hkrshNQubX0CA"
)


class InvalidToken(Exception):
    """Not an access token of this API that is valid right now."""


@dataclass(frozen=True)
class AccessClaims:
    """What a valid access token says: whose it is, and what it may be used for."""

    user_id: int
    scopes: frozenset[str]


def create_access_token(user_id: int, scopes: Iterable[str]) -> str:
    settings = get_settings()
    now = datetime.now(timezone.utc)
    claims = {
        "sub": str(user_id),
        "scope": " ".join(sorted(set(scopes))),
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def read_access_token(token: str) -> AccessClaims:
    """The claims of a valid access token; raises `InvalidToken` for anything else."""
    secret = get_settings().jwt_secret.get_secret_value()
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.InvalidTokenError as error:
        raise InvalidToken(str(error)) from None
    subject, scope = claims["sub"], claims.get("scope", "")
    if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
        raise InvalidToken("sub is not a user id")
    if not 1 <= int(subject) <= _MAX_ID or not isinstance(scope, str):
        raise InvalidToken("sub or scope out of range")
    return AccessClaims(user_id=int(subject), scopes=frozenset(scope.split()))


def verify_password(password: str, hashed: str | None) -> bool:
    """Whether `password` matches `hashed`; with no hash, as slow as a real check, and False."""
    if hashed is None:
        _passwords.verify(password, _DECOY_HASH)
        return False
    return _passwords.verify(password, hashed)
