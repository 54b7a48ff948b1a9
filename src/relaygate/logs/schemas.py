"""Query and response shapes for /api/log, with new-api's field names (``channel`` is the id)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class LogFilter(BaseModel):
    """Filters shared by the log list, its stat and the CSV export (new-api's parameter names).

    ``keyword`` (a substring of ``content``) and ``cursor`` (keyset paging) are relaygate's.
    """

    type: int = 0
    start_timestamp: int = 0
    end_timestamp: int = 0
    username: str = ""
    token_name: str = ""
    model_name: str = ""
    channel: int = 0
    group: str = ""
    request_id: str = ""
    keyword: str = ""
    user_id: int = Field(0, ge=0)
    """Admins filter by it; the server sets it for /self routes."""
    cursor: str = ""
    """``<created_at>,<id>`` of the last row seen: the next page starts after it."""

    @field_validator("username", "token_name", "model_name", "group", "request_id", "keyword")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


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


class LogPage(BaseModel):
    """new-api's page ``{page, page_size, total, items}`` plus the keyset cursor of the next page.

    ``total`` counts at most ``LOG_COUNT_LIMIT`` rows, as new-api does for user logs, so a count
    over millions of rows never costs more than the page itself.
    """

    page: int
    page_size: int
    total: int
    items: list[LogPublic]
    next_cursor: str = ""


class LogStat(BaseModel):
    """Consumed quota in the filter, and requests / tokens over the last 60 seconds."""

    quota: int
    rpm: int
    tpm: int
