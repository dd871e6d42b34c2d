"""Logging in: the OAuth2 password flow, refresh-token rotation, and the current user."""

from fastapi import APIRouter

router = APIRouter(tags=["auth"])

# TODO: a dependency giving the user of the request's access token; 401 for any bad token.

# TODO: POST /token, the OAuth2 password flow (a form with username and password).

# TODO: POST /token/refresh, exchanging a refresh token for a new token pair. Time refresh
# tokens by the clock of clock.py (`ClockDep`), never by a datetime.now() of your own.
