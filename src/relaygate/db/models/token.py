"""``tokens``: API keys issued to users (new-api model/token.go)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base

TOKEN_STATUS_ENABLED = 1
TOKEN_STATUS_DISABLED = 2
TOKEN_STATUS_EXPIRED = 3
TOKEN_STATUS_EXHAUSTED = 4


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[int] = mapped_column(Integer, default=TOKEN_STATUS_ENABLED)
    name: Mapped[str] = mapped_column(String(255), default="", index=True)
    created_time: Mapped[int] = mapped_column(BigInteger, default=0)
    accessed_time: Mapped[int] = mapped_column(BigInteger, default=0)
    expired_time: Mapped[int] = mapped_column(BigInteger, default=-1)
    remain_quota: Mapped[int] = mapped_column(BigInteger, default=0)
    unlimited_quota: Mapped[bool] = mapped_column(Boolean, default=False)
    model_limits_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    model_limits: Mapped[str] = mapped_column(Text, default="")
    allow_ips: Mapped[str | None] = mapped_column(Text, default="", nullable=True)
    used_quota: Mapped[int] = mapped_column(BigInteger, default=0)
    group: Mapped[str] = mapped_column(String(64), default="")
    cross_group_retry: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
