"""Who is calling: the bearer token of each request names one of the service's users.

Don't change this: the grader signs in as these users. It stands in for real authentication
(exercise 07 builds that): the tokens are fixed and known, so that you can try the API by hand.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer


@dataclass(frozen=True)
class User:
    name: str
    email: str


#: Each user, by bearer token.
USERS = {
    "ada-7c1f0b2e9d4a": User(name="ada", email="ada@example.com"),
    "ben-3e8a5d6f1c7b": User(name="ben", email="ben@example.com"),
}

_bearer = HTTPBearer(auto_error=False)


async def get_current_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user whose token the request carries; 401 without a known one."""
    user = USERS.get(credentials.credentials) if credentials else None
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
