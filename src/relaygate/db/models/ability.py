"""``abilities``: one row per (group, model, channel), the routing index (new-api model/ability.go)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base


class Ability(Base):
    __tablename__ = "abilities"

    group: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(255), primary_key=True)
    channel_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    priority: Mapped[int | None] = mapped_column(BigInteger, default=0, nullable=True, index=True)
    weight: Mapped[int] = mapped_column(Integer, default=0, index=True)
    tag: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
