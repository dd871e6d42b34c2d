"""The admin surface: an organisation's users and API keys, for its admins only."""

from fastapi import APIRouter

# TODO: every endpoint of this router is for admins (role and scope): where can you say that
# once, so that no endpoint added later can forget it?
router = APIRouter(prefix="/admin", tags=["admin"])

# TODO: GET /admin/users and PATCH /admin/users/{user_id}: the admin's organisation only.

# TODO: GET /admin/api-keys, POST /admin/api-keys (the key shown once, only a hash stored) and
# DELETE /admin/api-keys/{key_id}.
