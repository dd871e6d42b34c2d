"""The admin surface: an organisation's users and API keys, for its admins only."""

import secrets

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from database import SessionDep
from deps import REQUIRE_ADMIN, ObjectId, OrgAdmin, fingerprint
from models import ApiKey, User
from schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, UserAdminUpdate, UserPublic

# On the router, not on each endpoint: an endpoint added here later cannot forget it.
router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[REQUIRE_ADMIN])


def not_found(what: str) -> HTTPException:
    # The same answer whether the id exists in another organisation or nowhere.
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{what} not found")


@router.get("/users")
def list_users(admin: OrgAdmin, session: SessionDep) -> list[UserPublic]:
    users = session.scalars(select(User).where(User.org_id == admin.org_id).order_by(User.id))
    return [UserPublic.model_validate(user) for user in users]


@router.patch("/users/{user_id}")
def update_user(
    user_id: ObjectId, changes: UserAdminUpdate, admin: OrgAdmin, session: SessionDep
) -> UserPublic:
    user = session.scalar(select(User).where(User.id == user_id, User.org_id == admin.org_id))
    if user is None:
        raise not_found("User")
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    session.commit()
    return UserPublic.model_validate(user)


@router.get("/api-keys")
def list_api_keys(admin: OrgAdmin, session: SessionDep) -> list[ApiKeyPublic]:
    keys = session.scalars(select(ApiKey).where(ApiKey.org_id == admin.org_id).order_by(ApiKey.id))
    return [ApiKeyPublic.model_validate(key) for key in keys]


@router.post("/api-keys", status_code=status.HTTP_201_CREATED)
def create_api_key(body: ApiKeyCreate, admin: OrgAdmin, session: SessionDep) -> ApiKeyCreated:
    key = secrets.token_urlsafe(32)
    api_key = ApiKey(org_id=admin.org_id, name=body.name, key_hash=fingerprint(key))
    session.add(api_key)
    session.commit()
    # The only time the key leaves the server: the database keeps its fingerprint alone.
    return ApiKeyCreated(id=api_key.id, name=api_key.name, key=key)


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(key_id: ObjectId, admin: OrgAdmin, session: SessionDep) -> None:
    api_key = session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.org_id == admin.org_id)
    )
    if api_key is None:
        raise not_found("API key")
    session.delete(api_key)
    session.commit()
