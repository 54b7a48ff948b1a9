"""auth: two_fas, two_fa_backup_codes, passkey_credentials, custom_oauth_providers,
user_oauth_bindings (new-api's tables)

Revision ID: 5f3a2c9d7e41
Revises: 43b3a26c5b9d
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f3a2c9d7e41"
down_revision: str | None = "43b3a26c5b9d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "two_fas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=255), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        _ts("locked_until"),
        _ts("last_used_at"),
        sa.Column("last_used_step", sa.BigInteger(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("deleted_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_two_fas")),
    )
    with op.batch_alter_table("two_fas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_two_fas_user_id"), ["user_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_two_fas_deleted_at"), ["deleted_at"], unique=False)

    op.create_table(
        "two_fa_backup_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("is_used", sa.Boolean(), nullable=False),
        _ts("used_at"),
        _ts("created_at"),
        _ts("deleted_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_two_fa_backup_codes")),
    )
    with op.batch_alter_table("two_fa_backup_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_two_fa_backup_codes_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_two_fa_backup_codes_deleted_at"), ["deleted_at"], unique=False
        )

    op.create_table(
        "passkey_credentials",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=512), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("attestation_type", sa.String(length=255), nullable=False),
        sa.Column("aaguid", sa.String(length=512), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("clone_warning", sa.Boolean(), nullable=False),
        sa.Column("user_present", sa.Boolean(), nullable=False),
        sa.Column("user_verified", sa.Boolean(), nullable=False),
        sa.Column("backup_eligible", sa.Boolean(), nullable=False),
        sa.Column("backup_state", sa.Boolean(), nullable=False),
        sa.Column("transports", sa.Text(), nullable=False),
        sa.Column("attachment", sa.String(length=32), nullable=False),
        _ts("last_used_at"),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("deleted_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkey_credentials")),
    )
    with op.batch_alter_table("passkey_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_passkey_credentials_user_id"), ["user_id"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_passkey_credentials_credential_id"), ["credential_id"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_passkey_credentials_deleted_at"), ["deleted_at"], unique=False
        )

    op.create_table(
        "custom_oauth_providers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("icon", sa.String(length=128), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("client_id", sa.String(length=256), nullable=False),
        sa.Column("client_secret", sa.String(length=512), nullable=False),
        sa.Column("authorization_endpoint", sa.String(length=512), nullable=False),
        sa.Column("token_endpoint", sa.String(length=512), nullable=False),
        sa.Column("user_info_endpoint", sa.String(length=512), nullable=False),
        sa.Column("scopes", sa.String(length=256), nullable=False),
        sa.Column("user_id_field", sa.String(length=128), nullable=False),
        sa.Column("username_field", sa.String(length=128), nullable=False),
        sa.Column("display_name_field", sa.String(length=128), nullable=False),
        sa.Column("email_field", sa.String(length=128), nullable=False),
        sa.Column("well_known", sa.String(length=512), nullable=False),
        sa.Column("auth_style", sa.Integer(), nullable=False),
        sa.Column("access_policy", sa.Text(), nullable=False),
        sa.Column("access_denied_message", sa.String(length=512), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_oauth_providers")),
    )
    with op.batch_alter_table("custom_oauth_providers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custom_oauth_providers_slug"), ["slug"], unique=True)

    op.create_table(
        "user_oauth_bindings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("provider_user_id", sa.String(length=256), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_oauth_bindings")),
        sa.UniqueConstraint("user_id", "provider_id", name="ux_user_provider"),
        sa.UniqueConstraint("provider_id", "provider_user_id", name="ux_provider_userid"),
    )


def downgrade() -> None:
    op.drop_table("user_oauth_bindings")
    with op.batch_alter_table("custom_oauth_providers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_oauth_providers_slug"))
    op.drop_table("custom_oauth_providers")
    with op.batch_alter_table("passkey_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passkey_credentials_deleted_at"))
        batch_op.drop_index(batch_op.f("ix_passkey_credentials_credential_id"))
        batch_op.drop_index(batch_op.f("ix_passkey_credentials_user_id"))
    op.drop_table("passkey_credentials")
    with op.batch_alter_table("two_fa_backup_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_two_fa_backup_codes_deleted_at"))
        batch_op.drop_index(batch_op.f("ix_two_fa_backup_codes_user_id"))
    op.drop_table("two_fa_backup_codes")
    with op.batch_alter_table("two_fas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_two_fas_deleted_at"))
        batch_op.drop_index(batch_op.f("ix_two_fas_user_id"))
    op.drop_table("two_fas")
