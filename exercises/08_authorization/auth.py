"""POST /token: the OAuth2 password flow, to try the API by hand from /docs.

Don't change this: it is authentication, which exercise 07 was about. Here you authorize.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import select

from database import SessionDep
from models import Role, User
from security import create_access_token, verify_password

router = APIRouter(tags=["auth"])

#: The scopes POST /token grants each role, when asked for them (all of them when asked for
#: none). The grader signs its own tokens with any scopes: a scope never proves a role.
GRANTABLE = {
    Role.member: {"expenses:read", "expenses:write"},
    Role.manager: {"expenses:read", "expenses:write", "expenses:approve"},
    Role.admin: {"expenses:read", "expenses:write", "expenses:approve", "admin"},
}


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    #: The scopes granted, separated by spaces (RFC 6749 §5.1).
    scope: str


@router.post("/token")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, response: Response
) -> Token:
    user = session.scalar(select(User).where(User.username == form.username))
    valid = verify_password(form.password, user.hashed_password if user else None)
    if user is None or not valid or not user.active:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Incorrect username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    grantable = GRANTABLE[user.role]
    scopes = grantable & set(form.scopes) if form.scopes else grantable
    response.headers["Cache-Control"] = "no-store"
    return Token(access_token=create_access_token(user.id, scopes), scope=" ".join(sorted(scopes)))
