"""``models``: console metadata for a model name or a name rule (new-api model/model_meta.go).

A row describes one exact model name, or, with ``name_rule``, every model whose name starts
with, contains or ends with ``model_name``. Rows are soft-deleted as gorm does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base

NAME_RULE_EXACT = 0
NAME_RULE_PREFIX = 1
NAME_RULE_CONTAINS = 2
NAME_RULE_SUFFIX = 3
NAME_RULES = frozenset({NAME_RULE_EXACT, NAME_RULE_PREFIX, NAME_RULE_CONTAINS, NAME_RULE_SUFFIX})


class ModelMeta(Base):
    __tablename__ = "models"
    __table_args__ = (Index("uk_model_name_delete_at", "model_name", "deleted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    icon: Mapped[str] = mapped_column(String(128), default="")
    tags: Mapped[str] = mapped_column(String(255), default="")
    vendor_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    endpoints: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int] = mapped_column(Integer, default=1)
    sync_official: Mapped[int] = mapped_column(Integer, default=1)
    created_time: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_time: Mapped[int] = mapped_column(BigInteger, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    name_rule: Mapped[int] = mapped_column(Integer, default=NAME_RULE_EXACT)
