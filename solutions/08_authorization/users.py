"""The caller's own account."""

from fastapi import APIRouter

from database import SessionDep
from deps import CurrentUser
from schemas import ProfileUpdate, UserPublic

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch("/me")
def update_me(changes: ProfileUpdate, user: CurrentUser, session: SessionDep) -> UserPublic:
    # ProfileUpdate holds the display name only: a role or an organisation is never the user's
    # to choose.
    user.display_name = changes.display_name
    session.commit()
    return UserPublic.model_validate(user)
