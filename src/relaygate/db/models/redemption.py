"""``redemptions``: prepaid codes an admin issues and a user redeems once (new-api model/redemption.go).

``deleted_at`` is gorm's soft-delete timestamp: deleted codes stay in the table (so a key can never be
issued twice) but every query skips them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base

REDEMPTION_STATUS_ENABLED = 1
REDEMPTION_STATUS_DISABLED = 2
REDEMPTION_STATUS_USED = 3


class Redemption(Base):
    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, default=0)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[int] = mapped_column(Integer, default=REDEMPTION_STATUS_ENABLED)
    name: Mapped[str] = mapped_column(String(255), default="", index=True)
    quota: Mapped[int] = mapped_column(BigInteger, default=100)
    created_time: Mapped[int] = mapped_column(BigInteger, default=0)
    redeemed_time: Mapped[int] = mapped_column(BigInteger, default=0)
    used_user_id: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    expired_time: Mapped[int] = mapped_column(BigInteger, default=0)
