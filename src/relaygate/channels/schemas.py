"""Request and response bodies for /api/channel, with new-api's field names."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from relaygate.db.models.channel import CHANNEL_STATUS_ENABLED


class ChannelCreate(BaseModel):
    """A channel as the console submits it. ``key`` may hold one key per line in batch mode."""

    type: int = 0
    key: str = ""
    name: str = ""
    base_url: str | None = ""
    models: str = ""
    """Comma-separated model names."""
    group: str = "default"
    """Comma-separated group names."""
    priority: int | None = 0
    weight: int | None = 0
    status: int = CHANNEL_STATUS_ENABLED
    tag: str | None = None
    test_model: str | None = None
    openai_organization: str | None = None
    auto_ban: int | None = 1
    model_mapping: str | None = None
    """JSON object: requested model → upstream model."""
    status_code_mapping: str | None = None
    param_override: str | None = None
    header_override: str | None = None
    setting: str | None = None
    settings: str = ""
    other: str = ""
    remark: str | None = Field(None, max_length=255)


class ChannelAddRequest(BaseModel):
    """``POST /api/channel/``: new-api's ``{mode, channel}``, or a bare channel object."""

    mode: Literal["single", "batch"] = "single"
    batch_add_set_key_prefix_2_name: bool = False
    channel: ChannelCreate

    @model_validator(mode="before")
    @classmethod
    def _wrap_bare_channel(cls, data: Any) -> Any:
        if isinstance(data, dict) and not isinstance(data.get("channel"), dict):
            return {"mode": data.get("mode") or "single", "channel": data}
        return data


class ChannelUpdate(BaseModel):
    """``PUT /api/channel/``: a partial update by ``id``.

    As in new-api (gorm ``Updates``), fields that are plain values there (type, key, name,
    models, group, status, other, settings) keep their value when sent empty or zero;
    nullable fields change whenever they are present and not null.
    """

    id: int
    type: int | None = None
    key: str | None = None
    name: str | None = None
    base_url: str | None = None
    models: str | None = None
    group: str | None = None
    priority: int | None = None
    weight: int | None = None
    status: int | None = None
    tag: str | None = None
    test_model: str | None = None
    openai_organization: str | None = None
    auto_ban: int | None = None
    model_mapping: str | None = None
    status_code_mapping: str | None = None
    param_override: str | None = None
    header_override: str | None = None
    setting: str | None = None
    settings: str | None = None
    other: str | None = None
    remark: str | None = Field(None, max_length=255)


class ChannelPublic(BaseModel):
    """A channel as the console lists it. ``key`` is always blank."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    type: int
    key: str = ""
    openai_organization: str | None
    test_model: str | None
    status: int
    name: str
    weight: int | None
    created_time: int
    test_time: int
    response_time: int
    base_url: str | None
    other: str
    balance: float
    balance_updated_time: int
    models: str
    group: str
    used_quota: int
    model_mapping: str | None
    status_code_mapping: str | None
    priority: int | None
    auto_ban: int | None
    other_info: str
    tag: str | None
    setting: str | None
    param_override: str | None
    header_override: str | None
    remark: str | None
    settings: str


class ChannelPage(BaseModel):
    """new-api's channel list page, with per-type counts."""

    items: list[ChannelPublic]
    total: int
    page: int
    page_size: int
    type_counts: dict[int, int]


class ModelEntry(BaseModel):
    """An OpenAI-style model object (``GET /api/channel/models``)."""

    id: str
    object: str = "model"
    created: int = 1626777600
    owned_by: str = "relaygate"
