"""``prefill_groups``: reusable lists of models, tags or endpoints for console forms
(new-api model/prefill_group.go). ``items`` is a JSON array of strings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base


class PrefillGroup(Base):
    __tablename__ = "prefill_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    items: Mapped[Any] = mapped_column(JSON, nullable=True)
    description: Mapped[str] = mapped_column(String(255), default="")
    created_time: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_time: Mapped[int] = mapped_column(BigInteger, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
