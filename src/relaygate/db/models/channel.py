"""``channels``: upstream accounts (new-api model/channel.go). ``key`` is encrypted at rest."""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base

CHANNEL_STATUS_UNKNOWN = 0
CHANNEL_STATUS_ENABLED = 1
CHANNEL_STATUS_MANUALLY_DISABLED = 2
CHANNEL_STATUS_AUTO_DISABLED = 3


class Channel(Base):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[int] = mapped_column(Integer, default=0)
    key: Mapped[str] = mapped_column(Text)
    openai_organization: Mapped[str | None] = mapped_column(String(255), nullable=True)
    test_model: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[int] = mapped_column(Integer, default=CHANNEL_STATUS_ENABLED)
    name: Mapped[str] = mapped_column(String(255), default="", index=True)
    weight: Mapped[int | None] = mapped_column(Integer, default=0, nullable=True)
    created_time: Mapped[int] = mapped_column(BigInteger, default=0)
    test_time: Mapped[int] = mapped_column(BigInteger, default=0)
    response_time: Mapped[int] = mapped_column(Integer, default=0)
    base_url: Mapped[str | None] = mapped_column(String(1024), default="", nullable=True)
    other: Mapped[str] = mapped_column(Text, default="")
    balance: Mapped[float] = mapped_column(Float, default=0.0)
    balance_updated_time: Mapped[int] = mapped_column(BigInteger, default=0)
    models: Mapped[str] = mapped_column(Text, default="")
    group: Mapped[str] = mapped_column(String(255), default="default")
    used_quota: Mapped[int] = mapped_column(BigInteger, default=0)
    model_mapping: Mapped[str | None] = mapped_column(Text, nullable=True)
    status_code_mapping: Mapped[str | None] = mapped_column(String(1024), default="", nullable=True)
    priority: Mapped[int | None] = mapped_column(BigInteger, default=0, nullable=True)
    auto_ban: Mapped[int | None] = mapped_column(Integer, default=1, nullable=True)
    other_info: Mapped[str] = mapped_column(Text, default="")
    tag: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    setting: Mapped[str | None] = mapped_column(Text, nullable=True)
    param_override: Mapped[str | None] = mapped_column(Text, nullable=True)
    header_override: Mapped[str | None] = mapped_column(Text, nullable=True)
    remark: Mapped[str | None] = mapped_column(String(255), nullable=True)
    channel_info: Mapped[str | None] = mapped_column(Text, nullable=True)
    settings: Mapped[str] = mapped_column(Text, default="")
