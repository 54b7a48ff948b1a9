"""``logs``: one row per relayed request or quota event (new-api model/log.go).

Indexes follow the console's filters. The list is ordered by ``(created_at, id)`` descending and
paged by keyset, so each equality filter ``f`` has a composite ``(f, created_at, id)``: the first
page is an index range scan that stops after ``page_size`` rows, however many rows match. On
PostgreSQL those composites also INCLUDE ``type`` and ``quota`` so the stat sums are index-only,
and a trigram GIN index serves the keyword search on ``content`` (created by the migration).
bench/logs_query.py times every filter over five million rows.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base

LOG_TYPE_UNKNOWN = 0
LOG_TYPE_TOPUP = 1
LOG_TYPE_CONSUME = 2
LOG_TYPE_MANAGE = 3
LOG_TYPE_SYSTEM = 4
LOG_TYPE_ERROR = 5
LOG_TYPE_REFUND = 6

FILTER_INDEX_COLUMNS = {
    "username": "username",
    "token": "token_name",
    "model": "model_name",
    "channel": "channel_id",
    "group": "group",
}
"""Filter columns with a ``(column, created_at, id)`` index, by index name part."""


class Log(Base):
    __tablename__ = "logs"
    __table_args__ = (
        Index("idx_created_at_id", "created_at", "id"),
        Index("idx_user_id_id", "user_id", "id"),
        Index(
            "idx_logs_user_created_type",
            "user_id",
            "created_at",
            "type",
            postgresql_include=["quota"],
        ),
        Index("idx_logs_channel_type_created_id", "channel_id", "type", "created_at", "id"),
        Index("idx_type_created_at_quota", "type", "created_at", "quota"),
        *(
            Index(
                f"idx_logs_{name}_created_id",
                column,
                "created_at",
                "id",
                postgresql_include=["type", "quota"],
            )
            for name, column in FILTER_INDEX_COLUMNS.items()
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[int] = mapped_column(BigInteger, default=0)
    type: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[str] = mapped_column(Text, default="")
    username: Mapped[str] = mapped_column(String(64), default="")
    token_name: Mapped[str] = mapped_column(String(255), default="")
    model_name: Mapped[str] = mapped_column(String(255), default="")
    quota: Mapped[int] = mapped_column(BigInteger, default=0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    use_time: Mapped[int] = mapped_column(Integer, default=0)
    is_stream: Mapped[bool] = mapped_column(Boolean, default=False)
    channel_id: Mapped[int] = mapped_column("channel_id", Integer, default=0)
    token_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    group: Mapped[str] = mapped_column(String(64), default="")
    ip: Mapped[str] = mapped_column(String(64), default="", index=True)
    request_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    other: Mapped[str] = mapped_column(Text, default="")
