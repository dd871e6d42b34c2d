"""Accounts: registering, reading and deleting one's own."""

from fastapi import APIRouter

router = APIRouter(prefix="/users", tags=["users"])

# TODO: POST /users, registering an account.

# TODO: GET /users/me, the account of the access token.

# TODO: DELETE /users/me, deleting it.
