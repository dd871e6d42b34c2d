"""Password hashing and token making: plain functions, no FastAPI."""

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from functools import cache

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from settings import get_settings

ALGORITHM = "HS256"


# argon2id: memory-hard, and no 72-byte limit like bcrypt. Costs come from the settings, so tests
# can make hashing cheap while production keeps pwdlib's recommended ones.
@cache
def password_hasher() -> PasswordHash:
    settings = get_settings()
    hasher = Argon2Hasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
    )
    return PasswordHash((hasher,))


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def verify_password(password: str, hashed: str) -> tuple[bool, str | None]:
    """Whether `password` matches, and a fresh hash when the stored one uses old parameters."""
    return password_hasher().verify_and_update(password, hashed)


@cache
def _decoy_hash() -> str:
    return password_hasher().hash(secrets.token_urlsafe())


def verify_nothing(password: str) -> None:
    """Spend the time of a real check, so an unknown username takes as long as a wrong password."""
    password_hasher().verify(password, _decoy_hash())


def create_access_token(subject: str, *, secret: str, lifetime: timedelta) -> str:
    now = datetime.now(timezone.utc)
    claims = {"sub": subject, "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def access_token_subject(token: str, *, secret: str) -> str:
    """The `sub` of a valid access token; raises `jwt.InvalidTokenError` for any other token."""
    # algorithms pinned: the token's own header never picks the algorithm (no `none`, no RS/HS mix).
    claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    return str(claims["sub"])


def new_refresh_token() -> str:
    # secrets' default size, 32 random bytes: beyond guessing, so a fast hash can store it.
    return secrets.token_urlsafe()


def fingerprint(token: str) -> str:
    """What the database keeps of a refresh token: 256 random bits need no slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()
