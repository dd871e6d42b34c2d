"""The caller's own account."""

from fastapi import APIRouter

router = APIRouter(prefix="/users", tags=["users"])

# TODO: GET /users/me, the user of the token.

# TODO: PATCH /users/me, changing the caller's display name, and nothing else.
