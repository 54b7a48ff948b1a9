"""``options``: console settings as key/value text (new-api model/option.go)."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base


class Option(Base):
    __tablename__ = "options"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
