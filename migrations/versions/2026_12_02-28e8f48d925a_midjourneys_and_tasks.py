"""midjourneys and tasks: async Midjourney, video and Suno tasks (new-api names and columns)

Revision ID: 28e8f48d925a
Revises: c4e8a1f0d2b7
Create Date: 2026-12-01 22:11:06.133297
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "28e8f48d925a"
down_revision: str | None = "c4e8a1f0d2b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "midjourneys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("mj_id", sa.String(length=191), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("prompt_en", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("submit_time", sa.BigInteger(), nullable=False),
        sa.Column("start_time", sa.BigInteger(), nullable=False),
        sa.Column("finish_time", sa.BigInteger(), nullable=False),
        sa.Column("image_url", sa.Text(), nullable=False),
        sa.Column("video_url", sa.Text(), nullable=False),
        sa.Column("video_urls", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.String(length=30), nullable=False),
        sa.Column("fail_reason", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("buttons", sa.Text(), nullable=False),
        sa.Column("properties", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_midjourneys")),
    )
    with op.batch_alter_table("midjourneys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_midjourneys_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_midjourneys_finish_time"), ["finish_time"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_midjourneys_mj_id"), ["mj_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_midjourneys_progress"), ["progress"], unique=False)
        batch_op.create_index(batch_op.f("ix_midjourneys_start_time"), ["start_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_midjourneys_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_midjourneys_submit_time"), ["submit_time"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_midjourneys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("task_id", sa.String(length=191), nullable=False),
        sa.Column("platform", sa.String(length=30), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=50), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fail_reason", sa.Text(), nullable=False),
        sa.Column("submit_time", sa.BigInteger(), nullable=False),
        sa.Column("start_time", sa.BigInteger(), nullable=False),
        sa.Column("finish_time", sa.BigInteger(), nullable=False),
        sa.Column("progress", sa.String(length=20), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("private_data", sa.JSON(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("task_id", name=op.f("uq_tasks_task_id")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_finish_time"), ["finish_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_platform"), ["platform"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_progress"), ["progress"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_start_time"), ["start_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_submit_time"), ["submit_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_user_id"))
        batch_op.drop_index(batch_op.f("ix_tasks_submit_time"))
        batch_op.drop_index(batch_op.f("ix_tasks_status"))
        batch_op.drop_index(batch_op.f("ix_tasks_start_time"))
        batch_op.drop_index(batch_op.f("ix_tasks_progress"))
        batch_op.drop_index(batch_op.f("ix_tasks_platform"))
        batch_op.drop_index(batch_op.f("ix_tasks_finish_time"))
        batch_op.drop_index(batch_op.f("ix_tasks_created_at"))
        batch_op.drop_index(batch_op.f("ix_tasks_channel_id"))
        batch_op.drop_index(batch_op.f("ix_tasks_action"))

    op.drop_table("tasks")
    with op.batch_alter_table("midjourneys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_midjourneys_user_id"))
        batch_op.drop_index(batch_op.f("ix_midjourneys_submit_time"))
        batch_op.drop_index(batch_op.f("ix_midjourneys_status"))
        batch_op.drop_index(batch_op.f("ix_midjourneys_start_time"))
        batch_op.drop_index(batch_op.f("ix_midjourneys_progress"))
        batch_op.drop_index(batch_op.f("ix_midjourneys_mj_id"))
        batch_op.drop_index(batch_op.f("ix_midjourneys_finish_time"))
        batch_op.drop_index(batch_op.f("ix_midjourneys_action"))

    op.drop_table("midjourneys")
