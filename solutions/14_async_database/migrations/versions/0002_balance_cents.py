"""Money as integer cents: accounts.balance (float dollars) becomes accounts.balance_cents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Add the new column nullable, fill it, then make it NOT NULL: rows exist already.
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("balance_cents", sa.Integer(), nullable=True))
    # ROUND, not CAST alone: 19.99 * 100 is 1998.9999999999998, which CAST truncates to 1998.
    op.execute("UPDATE accounts SET balance_cents = CAST(ROUND(balance * 100) AS INTEGER)")
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column("balance_cents", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("balance")


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("balance", sa.Float(), nullable=True))
    # 100.0, not 100: SQLite divides two integers as integers (1999 / 100 is 19).
    op.execute("UPDATE accounts SET balance = balance_cents / 100.0")
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column("balance", existing_type=sa.Float(), nullable=False)
        batch.drop_column("balance_cents")
