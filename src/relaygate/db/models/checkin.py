"""``checkins``: one row per user per day of daily check-in (new-api model/checkin.go)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base


class Checkin(Base):
    __tablename__ = "checkins"
    __table_args__ = (Index("idx_user_checkin_date", "user_id", "checkin_date", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer)
    checkin_date: Mapped[str] = mapped_column(String(10))
    """Server-local date, ``YYYY-MM-DD``."""
    quota_awarded: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[int] = mapped_column(BigInteger, default=0)
