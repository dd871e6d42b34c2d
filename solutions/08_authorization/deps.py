"""Who is calling, and what they may do: the dependencies the endpoints declare."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, Security, status
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer, SecurityScopes
from sqlalchemy import select

from database import SessionDep
from models import ApiKey, Role, User
from security import SCOPES, InvalidToken, read_access_token

# auto_error=False: a missing credential is not yet an error, since the other kind may be there.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes=SCOPES, auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)

#: Ids the database can hold: larger ones name nothing (and would overflow SQLite's integers).
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class Permission(str, Enum):
    """What a principal may do, whatever its token's scopes."""

    READ_EXPENSES = "read-expenses"
    #: Seeing every expense of the organisation, not only one's own.
    SEE_ORGANISATION = "see-organisation"
    WRITE_EXPENSES = "write-expenses"
    APPROVE_EXPENSES = "approve-expenses"
    ADMINISTER = "administer"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.member: frozenset({Permission.READ_EXPENSES, Permission.WRITE_EXPENSES}),
    Role.manager: frozenset(
        {
            Permission.READ_EXPENSES,
            Permission.SEE_ORGANISATION,
            Permission.WRITE_EXPENSES,
            Permission.APPROVE_EXPENSES,
        }
    ),
    Role.admin: frozenset(Permission),
}
#: A service account reads its organisation's expenses, and does nothing else.
SERVICE_PERMISSIONS = frozenset({Permission.READ_EXPENSES, Permission.SEE_ORGANISATION})
SERVICE_SCOPES = frozenset({"expenses:read"})


@dataclass(frozen=True)
class Principal:
    """Whoever makes the request: a user, or an organisation's service account."""

    org_id: int
    scopes: frozenset[str]
    permissions: frozenset[Permission]
    #: The user making the request; None for a service account.
    user: User | None = None

    @property
    def user_id(self) -> int | None:
        return None if self.user is None else self.user.id


def unauthorized() -> HTTPException:
    # RFC 9110: a 401 says which scheme would work.
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Not authenticated",
        headers={"WWW-Authenticate": "Bearer"},
    )


def forbidden() -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, "Not allowed")


def fingerprint(key: str) -> str:
    """What the database keeps of an API key: 256 random bits need no slow hash."""
    return hashlib.sha256(key.encode()).hexdigest()


def authenticate(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(bearer_scheme)],
    key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """The principal of the request's one credential; 401 for anything else."""
    # Two credentials, or one header twice, would leave a guess to make: refuse instead.
    headers = request.headers.getlist("Authorization") + request.headers.getlist("X-API-Key")
    if len(headers) > 1:
        raise unauthorized()
    if token:
        try:
            claims = read_access_token(token)
        except InvalidToken:
            raise unauthorized() from None
        # Read the user on every request: a role or an account changed since the token was
        # issued counts from now on.
        user = session.get(User, claims.user_id)
        if user is None or not user.active:
            raise unauthorized()
        return Principal(user.org_id, claims.scopes, ROLE_PERMISSIONS[user.role], user)
    if key:
        api_key = session.scalar(select(ApiKey).where(ApiKey.key_hash == fingerprint(key)))
        if api_key is None:
            raise unauthorized()
        return Principal(api_key.org_id, SERVICE_SCOPES, SERVICE_PERMISSIONS)
    raise unauthorized()


def get_principal(
    security_scopes: SecurityScopes, principal: Annotated[Principal, Depends(authenticate)]
) -> Principal:
    """The principal, if its token carries every scope the endpoint requires (403 if not)."""
    required = dict.fromkeys(security_scopes.scopes)
    if not principal.scopes.issuperset(required):
        # RFC 6750 §3.1: name the scopes the resource requires, all of them.
        challenge = f'Bearer error="insufficient_scope", scope="{" ".join(required)}"'
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "The token lacks a scope this endpoint requires",
            headers={"WWW-Authenticate": challenge},
        )
    return principal


def allow(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency letting through only the principals that have `permission` (403)."""

    def dependency(principal: Annotated[Principal, Security(get_principal)]) -> Principal:
        if permission not in principal.permissions:
            raise forbidden()
        return principal

    return dependency


def signed_in_user(principal: Annotated[Principal, Security(get_principal)]) -> User:
    """The user of the request: a service account has no profile (403)."""
    if principal.user is None:
        raise forbidden()
    return principal.user


# What each endpoint needs, named once: the scopes of the token and the permission of the role.
# Scopes declared here reach `get_principal` through `SecurityScopes`, all of them together.
CurrentUser = Annotated[User, Security(signed_in_user)]
ExpenseReader = Annotated[
    Principal, Security(allow(Permission.READ_EXPENSES), scopes=["expenses:read"])
]
ExpenseWriter = Annotated[
    Principal, Security(allow(Permission.WRITE_EXPENSES), scopes=["expenses:write"])
]
ExpenseApprover = Annotated[
    Principal,
    Security(allow(Permission.APPROVE_EXPENSES), scopes=["expenses:write", "expenses:approve"]),
]
_administer = allow(Permission.ADMINISTER)
OrgAdmin = Annotated[Principal, Security(_administer, scopes=["admin"])]
#: For a router: every endpoint under it is for admins, including those added later.
REQUIRE_ADMIN = Security(_administer, scopes=["admin"])
