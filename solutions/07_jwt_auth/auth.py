"""Logging in: the OAuth2 password flow, refresh-token rotation, and the current user."""

import secrets
from datetime import datetime, timedelta
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, HTTPException, Response, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from sqlalchemy import delete, select, update

from clock import ClockDep
from database import SessionDep
from models import RefreshToken, User
from schemas import RefreshRequest, TokenPair
from security import (
    access_token_subject,
    create_access_token,
    fingerprint,
    new_refresh_token,
    verify_nothing,
    verify_password,
)
from settings import Settings, get_settings

router = APIRouter(tags=["auth"])

SettingsDep = Annotated[Settings, Depends(get_settings)]

# Answers 401 with `WWW-Authenticate: Bearer` itself when the header is missing or not Bearer.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def unauthorized(detail: str) -> HTTPException:
    # RFC 7235: every 401 says which scheme would work.
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)], session: SessionDep, settings: SettingsDep
) -> User:
    """The user an access token belongs to; 401 for any token that is not valid right now."""
    try:
        user_id = int(access_token_subject(token, secret=settings.jwt_secret.get_secret_value()))
    except (jwt.InvalidTokenError, ValueError):
        raise unauthorized("Invalid or expired token") from None
    # A valid signature is not enough: the account may have been deleted since.
    user = session.get(User, user_id)
    if user is None:
        raise unauthorized("Invalid or expired token")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def issue_tokens(
    session: SessionDep, settings: Settings, user: User, now: datetime, family: str | None = None
) -> TokenPair:
    """A new access token and a new refresh token, stored by fingerprint only."""
    refresh_token = new_refresh_token()
    session.add(
        RefreshToken(
            token_hash=fingerprint(refresh_token),
            family=family or secrets.token_hex(),
            user_id=user.id,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    session.commit()
    access_token = create_access_token(
        str(user.id),
        secret=settings.jwt_secret.get_secret_value(),
        lifetime=timedelta(minutes=settings.access_token_minutes),
    )
    return TokenPair(access_token=access_token, refresh_token=refresh_token)


@router.post("/token")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    response: Response,
) -> TokenPair:
    # One answer for both failures, so the endpoint does not tell which usernames exist.
    bad_credentials = unauthorized("Incorrect username or password")
    user = session.scalar(select(User).where(User.username == form.username))
    if user is None:
        verify_nothing(form.password)
        raise bad_credentials
    valid, new_hash = verify_password(form.password, user.hashed_password)
    if not valid:
        raise bad_credentials
    if new_hash is not None:
        user.hashed_password = new_hash
    # RFC 6749 §5.1: responses carrying tokens must not be cached.
    response.headers["Cache-Control"] = "no-store"
    return issue_tokens(session, settings, user, clock())


@router.post("/token/refresh")
def refresh(
    body: RefreshRequest,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    response: Response,
) -> TokenPair:
    now = clock()
    invalid = unauthorized("Invalid or expired refresh token")
    stored = session.scalar(
        select(RefreshToken).where(
            RefreshToken.token_hash == fingerprint(body.refresh_token),
            RefreshToken.expires_at > now,
        )
    )
    if stored is None:
        raise invalid
    # Claim the token atomically: of two concurrent refreshes with it, only one wins.
    claimed = session.scalar(
        update(RefreshToken)
        .where(RefreshToken.id == stored.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .returning(RefreshToken.id)
    )
    if claimed is None:
        # A rotated token came back: someone holds a copy. Log the whole family out.
        session.execute(delete(RefreshToken).where(RefreshToken.family == stored.family))
        session.commit()
        raise invalid
    user = session.get(User, stored.user_id)
    if user is None:
        raise invalid
    response.headers["Cache-Control"] = "no-store"
    return issue_tokens(session, settings, user, now, family=stored.family)
