"""``custom_oauth_providers`` and ``user_oauth_bindings`` (new-api model/custom_oauth_provider.go,
model/user_oauth_binding.go). Built-in providers bind through ``users.github_id`` and friends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base
from relaygate.db.models.two_fa import UtcDateTime


class CustomOAuthProvider(Base):
    __tablename__ = "custom_oauth_providers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    icon: Mapped[str] = mapped_column(String(128), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    client_id: Mapped[str] = mapped_column(String(256), default="")
    client_secret: Mapped[str] = mapped_column(String(512), default="")
    """Encrypted with the runtime's SecretBox; never returned."""
    authorization_endpoint: Mapped[str] = mapped_column(String(512), default="")
    token_endpoint: Mapped[str] = mapped_column(String(512), default="")
    user_info_endpoint: Mapped[str] = mapped_column(String(512), default="")
    scopes: Mapped[str] = mapped_column(String(256), default="openid profile email")
    user_id_field: Mapped[str] = mapped_column(String(128), default="sub")
    username_field: Mapped[str] = mapped_column(String(128), default="preferred_username")
    display_name_field: Mapped[str] = mapped_column(String(128), default="name")
    email_field: Mapped[str] = mapped_column(String(128), default="email")
    well_known: Mapped[str] = mapped_column(String(512), default="")
    auth_style: Mapped[int] = mapped_column(Integer, default=0)
    access_policy: Mapped[str] = mapped_column(Text, default="")
    access_denied_message: Mapped[str] = mapped_column(String(512), default="")
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class UserOAuthBinding(Base):
    __tablename__ = "user_oauth_bindings"
    __table_args__ = (
        UniqueConstraint("user_id", "provider_id", name="ux_user_provider"),
        UniqueConstraint("provider_id", "provider_user_id", name="ux_provider_userid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer)
    provider_id: Mapped[int] = mapped_column(Integer)
    provider_user_id: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
