"""Query and response shapes for /api/log, with new-api's field names (``channel`` is the id)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LogFilter(BaseModel):
    """Filters shared by the log list and its stat (new-api's query parameter names)."""

    type: int = 0
    start_timestamp: int = 0
    end_timestamp: int = 0
    username: str = ""
    token_name: str = ""
    model_name: str = ""
    channel: int = 0
    group: str = ""
    request_id: str = ""
    user_id: int = 0
    """Set by the server for /self routes; admins may filter with it too."""


class LogPublic(BaseModel):
    """One log row."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    user_id: int
    created_at: int
    type: int
    content: str
    username: str
    token_name: str
    model_name: str
    quota: int
    prompt_tokens: int
    completion_tokens: int
    use_time: int
    is_stream: bool
    channel: int = Field(validation_alias="channel_id")
    channel_name: str = ""
    token_id: int
    group: str
    ip: str
    request_id: str
    other: str


class LogStat(BaseModel):
    """Consumed quota in the filter, and requests / tokens over the last 60 seconds."""

    quota: int
    rpm: int
    tpm: int
