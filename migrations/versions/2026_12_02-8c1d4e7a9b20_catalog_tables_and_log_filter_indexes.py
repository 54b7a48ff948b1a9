"""catalog tables (models, vendors, prefill_groups) and log filter indexes

Every log filter gets a ``(column, created_at, id)`` index so a filtered, newest-first page is
one short index range scan (keyset-paged); on PostgreSQL they INCLUDE type and quota so stat
sums are index-only, and a pg_trgm GIN index serves keyword search on content.

Revision ID: 8c1d4e7a9b20
Revises: 5f3a2c9d7e41
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c1d4e7a9b20"
down_revision: str | None = "5f3a2c9d7e41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILTER_COLUMNS = {
    "username": "username",
    "token": "token_name",
    "model": "model_name",
    "channel": "channel_id",
    "group": "group",
}
_REPLACED_SINGLE = ("channel_id", "group", "model_name", "token_name", "username")


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("icon", sa.String(length=128), nullable=False),
        sa.Column("tags", sa.String(length=255), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("endpoints", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("sync_official", sa.Integer(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("updated_time", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("name_rule", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
    )
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.create_index("uk_model_name_delete_at", ["model_name", "deleted_at"])
        batch_op.create_index(batch_op.f("ix_models_vendor_id"), ["vendor_id"])
        batch_op.create_index(batch_op.f("ix_models_deleted_at"), ["deleted_at"])

    op.create_table(
        "vendors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("icon", sa.String(length=128), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("updated_time", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendors")),
    )
    with op.batch_alter_table("vendors", schema=None) as batch_op:
        batch_op.create_index("uk_vendor_name_delete_at", ["name", "deleted_at"])
        batch_op.create_index(batch_op.f("ix_vendors_deleted_at"), ["deleted_at"])

    op.create_table(
        "prefill_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("updated_time", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prefill_groups")),
    )
    with op.batch_alter_table("prefill_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prefill_groups_name"), ["name"])
        batch_op.create_index(batch_op.f("ix_prefill_groups_type"), ["type"])
        batch_op.create_index(batch_op.f("ix_prefill_groups_deleted_at"), ["deleted_at"])

    postgres = _is_postgres()
    include_stat = {"postgresql_include": ["type", "quota"]} if postgres else {}
    with op.batch_alter_table("logs", schema=None) as batch_op:
        for column in _REPLACED_SINGLE:
            batch_op.drop_index(f"ix_logs_{column}")
        batch_op.drop_index("idx_created_at_type")
        batch_op.drop_index("index_username_model_name")
        batch_op.drop_index("idx_logs_user_created_type")
        batch_op.create_index(
            "idx_logs_user_created_type",
            ["user_id", "created_at", "type"],
            **({"postgresql_include": ["quota"]} if postgres else {}),
        )
        batch_op.create_index("idx_type_created_at_quota", ["type", "created_at", "quota"])
        for name, column in _FILTER_COLUMNS.items():
            batch_op.create_index(
                f"idx_logs_{name}_created_id", [column, "created_at", "id"], **include_stat
            )
    if postgres:
        _create_trigram_index()


def _create_trigram_index() -> None:
    # Keyword search still works without it (a scan); a role that may not create the
    # extension must not block the migration, so try inside a savepoint.
    bind = op.get_bind()
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            bind.execute(
                sa.text(
                    "CREATE INDEX IF NOT EXISTS idx_logs_content_trgm ON logs "
                    "USING gin (content gin_trgm_ops)"
                )
            )
    except sa.exc.DBAPIError:
        return


def downgrade() -> None:
    if _is_postgres():
        op.execute("DROP INDEX IF EXISTS idx_logs_content_trgm")
    with op.batch_alter_table("logs", schema=None) as batch_op:
        for name in _FILTER_COLUMNS:
            batch_op.drop_index(f"idx_logs_{name}_created_id")
        batch_op.drop_index("idx_type_created_at_quota")
        batch_op.drop_index("idx_logs_user_created_type")
        batch_op.create_index("idx_logs_user_created_type", ["user_id", "created_at", "type"])
        batch_op.create_index("index_username_model_name", ["model_name", "username"])
        batch_op.create_index("idx_created_at_type", ["created_at", "type"])
        for column in _REPLACED_SINGLE:
            batch_op.create_index(f"ix_logs_{column}", [column])
    op.drop_table("prefill_groups")
    op.drop_table("vendors")
    op.drop_table("models")
