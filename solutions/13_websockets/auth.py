"""Who is connecting: the user named by a signed, unexpired token."""

from typing import Annotated

import jwt
from pydantic import BaseModel, StringConstraints, ValidationError

#: The only algorithm tokens may use; the list is what stops `alg: none` and algorithm swaps.
ALGORITHM = "HS256"


class Claims(BaseModel):
    """The claims a chat token must carry."""

    sub: Annotated[str, StringConstraints(min_length=1)]
    exp: int


def user_from_token(token: str | None, *, secret: str, now: float) -> str | None:
    """The token's user, or None when the token is missing, forged, malformed or expired."""
    if not token:
        return None
    try:
        # Expiry is checked below against the injected clock, not PyJWT's own reading of time.
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp"], "verify_exp": False},
        )
        claims = Claims.model_validate(payload)
    except (jwt.InvalidTokenError, ValidationError):
        return None
    # A token is good while now < exp: at exp itself it has expired.
    if now >= claims.exp:
        return None
    return claims.sub
