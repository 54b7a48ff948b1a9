"""Listing filters, public shapes (new-api's JSON names) and the poller's update value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from relaygate.kit.envelope import Page


class MidjourneyFilter(BaseModel):
    """``GET /api/mj/`` query (new-api ``TaskQueryParams``); ``channel_id`` is admin-only."""

    channel_id: str = ""
    mj_id: str = ""
    start_timestamp: str = ""
    end_timestamp: str = ""


class TaskFilter(BaseModel):
    """``GET /api/task/`` query (new-api ``SyncTaskQueryParams``)."""

    platform: str = ""
    task_id: str = ""
    status: str = ""
    action: str = ""
    start_timestamp: int = 0
    end_timestamp: int = 0
    channel_id: str = ""


class MidjourneyPublic(BaseModel):
    """A ``midjourneys`` row as new-api's console lists it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: int
    user_id: int
    action: str
    mj_id: str
    prompt: str
    prompt_en: str
    description: str
    state: str
    submit_time: int
    start_time: int
    finish_time: int
    image_url: str
    video_url: str
    video_urls: str
    status: str
    progress: str
    fail_reason: str
    channel_id: int
    quota: int
    buttons: str
    properties: str


class TaskPublic(BaseModel):
    """new-api's ``TaskDto``; ``username`` only in the admin listing."""

    id: int
    created_at: int
    updated_at: int
    task_id: str
    platform: str
    user_id: int
    group: str
    channel_id: int
    quota: int
    action: str
    status: str
    fail_reason: str
    result_url: str | None = None
    submit_time: int
    start_time: int
    finish_time: int
    progress: str
    properties: Any = None
    username: str | None = None
    data: Any = None


MidjourneyPage = Page[MidjourneyPublic]
TaskPage = Page[TaskPublic]


@dataclass(slots=True)
class TaskUpdate:
    """What one poll learned about one task (None: unchanged)."""

    status: str | None = None
    progress: str | None = None
    fail_reason: str | None = None
    result_url: str | None = None
    start_time: int | None = None
    finish_time: int | None = None
    data: Any = None
    values: dict[str, Any] = field(default_factory=dict)
    """Other columns to set as they are (Midjourney's prompt_en, buttons, …)."""
