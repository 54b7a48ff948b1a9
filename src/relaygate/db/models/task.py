"""``tasks``: asynchronous generation tasks other than Midjourney: video (Sora, …) and Suno
(new-api model/task.go). ``task_id`` is the public id (``task_…``) clients see; the upstream's
own id lives in ``private_data.upstream_task_id``, never shown to users.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base

TASK_STATUS_NOT_START = "NOT_START"
TASK_STATUS_SUBMITTED = "SUBMITTED"
TASK_STATUS_QUEUED = "QUEUED"
TASK_STATUS_IN_PROGRESS = "IN_PROGRESS"
TASK_STATUS_FAILURE = "FAILURE"
TASK_STATUS_SUCCESS = "SUCCESS"
TASK_STATUS_UNKNOWN = "UNKNOWN"
TASK_FINISHED = frozenset({TASK_STATUS_SUCCESS, TASK_STATUS_FAILURE})

PLATFORM_SUNO = "suno"
PLATFORM_MIDJOURNEY = "mj"


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[int] = mapped_column(BigInteger, index=True, default=0)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=0)
    task_id: Mapped[str] = mapped_column(String(191), unique=True)
    platform: Mapped[str] = mapped_column(String(30), index=True, default="")
    """The channel type as text (``"1"`` for OpenAI/Sora) or ``"suno"``, as new-api stores it."""
    user_id: Mapped[int] = mapped_column(Integer, index=True, default=0)
    group: Mapped[str] = mapped_column(String(50), default="")
    channel_id: Mapped[int] = mapped_column(Integer, index=True, default=0)
    quota: Mapped[int] = mapped_column(Integer, default=0)
    action: Mapped[str] = mapped_column(String(40), index=True, default="")
    status: Mapped[str] = mapped_column(String(20), index=True, default=TASK_STATUS_NOT_START)
    fail_reason: Mapped[str] = mapped_column(Text, default="")
    submit_time: Mapped[int] = mapped_column(BigInteger, index=True, default=0)
    start_time: Mapped[int] = mapped_column(BigInteger, index=True, default=0)
    finish_time: Mapped[int] = mapped_column(BigInteger, index=True, default=0)
    progress: Mapped[str] = mapped_column(String(20), index=True, default="")
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """``input``, ``origin_model_name``, ``upstream_model_name``."""
    private_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """``upstream_task_id``, ``result_url``, ``token_id``, ``billing_context``: never sent to users."""
    data: Mapped[Any] = mapped_column(JSON, nullable=True)
    """The upstream's latest answer for this task, as it came."""
