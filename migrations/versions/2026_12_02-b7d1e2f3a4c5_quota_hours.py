"""quota_hours: consumed quota per hour over all users (fast all-users log stat)

Revision ID: b7d1e2f3a4c5
Revises: 28e8f48d925a
Create Date: 2026-12-02 00:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d1e2f3a4c5"
down_revision: str | None = "28e8f48d925a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quota_hours",
        sa.Column("created_at", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("quota", sa.BigInteger(), nullable=False),
        sa.Column("token_used", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("created_at", name=op.f("pk_quota_hours")),
    )
    # backfill from the buckets an existing deployment already has
    op.execute(
        "INSERT INTO quota_hours (created_at, count, quota, token_used) "
        "SELECT created_at, SUM(count), SUM(quota), SUM(token_used) FROM quota_data GROUP BY created_at"
    )


def downgrade() -> None:
    op.drop_table("quota_hours")
