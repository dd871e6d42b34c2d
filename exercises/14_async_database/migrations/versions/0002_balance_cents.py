"""Money as integer cents: accounts.balance (float dollars) becomes accounts.balance_cents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-12
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401  (you will need these)
from alembic import op  # noqa: F401

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # TODO: replace accounts.balance (float dollars) by accounts.balance_cents (integer cents,
    # NOT NULL), converting every row's value (task 5).
    pass


def downgrade() -> None:
    # TODO: the way back: accounts.balance again, from balance_cents, every row's value exact.
    pass
