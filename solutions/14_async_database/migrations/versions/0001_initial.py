"""The first schema: customers and their accounts, with balances as floats.

Revision ID: 0001
Revises:
Create Date: 2026-01-05

Don't change this: it is the revision the grader fills with rows before it runs yours.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        # Dollars as a float: 19.99 is stored as the double nearest to it.
        sa.Column("balance", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("accounts")
    op.drop_table("customers")
