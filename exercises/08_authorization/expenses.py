"""Expense claims: each organisation's, each owner's."""

from fastapi import APIRouter

router = APIRouter(prefix="/expenses", tags=["expenses"])

# TODO: POST /expenses, a new expense of the caller's, in the caller's organisation.

# TODO: GET /expenses and GET /expenses/summary, over what the principal can see, filtered by
# `status` and `q`. (Declare /summary before /{expense_id}: routes match in order.)

# TODO: GET /expenses/{expense_id}: 404 for what the principal cannot see.

# TODO: PATCH /expenses/{expense_id}: the owner only, while it is submitted.

# TODO: POST /expenses/{expense_id}/approve: managers and admins, never their own, only once.
