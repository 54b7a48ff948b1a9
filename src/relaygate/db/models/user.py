"""``users``: accounts with their quota (new-api model/user.go)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base

ROLE_GUEST = 0
ROLE_COMMON = 1
ROLE_ADMIN = 10
ROLE_ROOT = 100

STATUS_ENABLED = 1
STATUS_DISABLED = 2


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(64), default="", index=True)
    role: Mapped[int] = mapped_column(Integer, default=ROLE_COMMON)
    status: Mapped[int] = mapped_column(Integer, default=STATUS_ENABLED)
    email: Mapped[str] = mapped_column(String(128), default="", index=True)
    github_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    discord_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    oidc_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    wechat_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    telegram_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    linux_do_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    access_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    quota: Mapped[int] = mapped_column(BigInteger, default=0)
    used_quota: Mapped[int] = mapped_column(BigInteger, default=0)
    request_count: Mapped[int] = mapped_column(Integer, default=0)
    group: Mapped[str] = mapped_column(String(64), default="default")
    aff_code: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    aff_count: Mapped[int] = mapped_column(Integer, default=0)
    aff_quota: Mapped[int] = mapped_column(BigInteger, default=0)
    aff_history: Mapped[int] = mapped_column(BigInteger, default=0)
    inviter_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    setting: Mapped[str] = mapped_column(Text, default="")
    remark: Mapped[str] = mapped_column(String(255), default="")
    stripe_customer: Mapped[str] = mapped_column(String(64), default="", index=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=0)
    last_login_at: Mapped[int] = mapped_column(BigInteger, default=0)
    deleted_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
