"""checkins: daily check-in rows, one per user per day

Revision ID: c4e8a1f0d2b7
Revises: 8c1d4e7a9b20
Create Date: 2026-12-02 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4e8a1f0d2b7"
down_revision: str | None = "8c1d4e7a9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("checkin_date", sa.String(length=10), nullable=False),
        sa.Column("quota_awarded", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
    )
    # new-api's unique index: one check-in per user per day, even under concurrent requests
    op.create_index("idx_user_checkin_date", "checkins", ["user_id", "checkin_date"], unique=True)


def downgrade() -> None:
    op.drop_index("idx_user_checkin_date", table_name="checkins")
    op.drop_table("checkins")
