"""``midjourneys``: one row per midjourney-proxy task (new-api model/midjourney.go).

Times are Unix milliseconds, as midjourney-proxy reports them; ``quota`` is what the
submission charged (0 when the upstream refused it), refunded once if the task fails.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base


class Midjourney(Base):
    __tablename__ = "midjourneys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int] = mapped_column(Integer, index=True, default=0)
    action: Mapped[str] = mapped_column(String(40), index=True, default="")
    mj_id: Mapped[str] = mapped_column(String(191), index=True, default="")
    prompt: Mapped[str] = mapped_column(Text, default="")
    prompt_en: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(Text, default="")
    submit_time: Mapped[int] = mapped_column(BigInteger, index=True, default=0)
    start_time: Mapped[int] = mapped_column(BigInteger, index=True, default=0)
    finish_time: Mapped[int] = mapped_column(BigInteger, index=True, default=0)
    image_url: Mapped[str] = mapped_column(Text, default="")
    video_url: Mapped[str] = mapped_column(Text, default="")
    video_urls: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), index=True, default="")
    progress: Mapped[str] = mapped_column(String(30), index=True, default="")
    fail_reason: Mapped[str] = mapped_column(Text, default="")
    channel_id: Mapped[int] = mapped_column(Integer, default=0)
    quota: Mapped[int] = mapped_column(Integer, default=0)
    buttons: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[str] = mapped_column(Text, default="")
