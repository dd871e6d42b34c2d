"""Accounts: registering, reading and deleting one's own."""

from fastapi import APIRouter, HTTPException, status
from sqlalchemy.exc import IntegrityError

from auth import CurrentUser
from database import SessionDep
from models import User
from schemas import UserCreate, UserPublic
from security import hash_password

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", status_code=status.HTTP_201_CREATED)
def register(body: UserCreate, session: SessionDep) -> UserPublic:
    user = User(
        username=body.username, hashed_password=hash_password(body.password.get_secret_value())
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        # The unique constraint decides, so two concurrent sign-ups cannot both win.
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, "Username already taken") from None
    return UserPublic.model_validate(user)


@router.get("/me")
def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
def delete_me(user: CurrentUser, session: SessionDep) -> None:
    # ON DELETE CASCADE removes the account's refresh tokens with it.
    session.delete(user)
    session.commit()
