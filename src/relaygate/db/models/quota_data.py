"""``quota_data``: hourly usage per user and model for the dashboard (new-api model/usedata.go).

new-api accumulates these in memory and flushes them; relaygate recomputes whole hours from the
consume rows in ``logs``, so the unique key below lets a recomputation overwrite its own row.
``model_name`` is 255 wide (new-api: 64) because log model names can be that long.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base


class QuotaData(Base):
    __tablename__ = "quota_data"
    __table_args__ = (
        Index("idx_qdt_model_user_name", "model_name", "username"),
        Index("idx_qdt_created_at", "created_at"),
        UniqueConstraint("user_id", "username", "model_name", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    username: Mapped[str] = mapped_column(String(64), default="")
    model_name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[int] = mapped_column(BigInteger, default=0)
    token_used: Mapped[int] = mapped_column(BigInteger, default=0)
    count: Mapped[int] = mapped_column(Integer, default=0)
    quota: Mapped[int] = mapped_column(BigInteger, default=0)


class QuotaHour(Base):
    """Consumed quota per hour over every user and model: the all-users log stat reads it.

    relaygate's own table (new-api has none): a handful of rows per day, kept by the same
    catch-up that fills ``quota_data``.
    """

    __tablename__ = "quota_hours"

    created_at: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    quota: Mapped[int] = mapped_column(BigInteger, default=0)
    token_used: Mapped[int] = mapped_column(BigInteger, default=0)
