"""Request and response bodies for /api/channel, with new-api's field names."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from relaygate.channels import multikey
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

    mode: str = "single"
    """``single``, ``batch`` (one channel per key line) or ``multi_to_single`` (one multi-key
    channel); anything else is refused as new-api does."""
    multi_key_mode: str = "random"
    """``random`` or ``polling``, for ``multi_to_single``."""
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
    multi_key_mode: str | None = None
    """Switch a multi-key channel between ``random`` and ``polling``."""
    key_mode: Literal["append", "replace"] | None = None
    """Multi-key channels: ``append`` adds the sent keys (deduplicated) to the stored ones;
    ``replace`` (the default) stores the sent keys instead."""


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
    channel_info: dict[str, Any] = Field(default_factory=dict)
    """new-api's ``channel_info``; per-key disable reasons and times are left out of lists."""

    @field_validator("channel_info", mode="before")
    @classmethod
    def _parse_info(cls, value: Any) -> Any:
        if value is None or isinstance(value, dict):
            return value or {}
        info = multikey.parse_info(value)
        shown = info.to_json()
        if info.is_multi_key:
            del shown["multi_key_disabled_reason"], shown["multi_key_disabled_time"]
        return shown


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


class ChannelKey(BaseModel):
    """``POST /api/channel/{id}/key``: the stored key text (all keys of a multi-key channel)."""

    key: str


class TagEdit(BaseModel):
    """``PUT /api/channel/tag`` and ``POST /api/channel/tag/{enabled,disabled}`` (new-api's
    ``ChannelTag``): fields sent (not null) are written to every channel with ``tag``."""

    tag: str = ""
    new_tag: str | None = None
    priority: int | None = None
    weight: int | None = Field(None, ge=0)
    model_mapping: str | None = None
    models: str | None = None
    groups: str | None = None
    param_override: str | None = None
    header_override: str | None = None


class ChannelBatch(BaseModel):
    """``POST /api/channel/batch`` (delete) and ``POST /api/channel/batch/tag``."""

    ids: list[int] = Field(default_factory=list)
    tag: str | None = None


class FixResult(BaseModel):
    """``POST /api/channel/fix``: channels whose abilities were rebuilt, and failures."""

    success: int
    fails: int


class CopyResult(BaseModel):
    """``POST /api/channel/copy/{id}``."""

    id: int


class FetchModelsRequest(BaseModel):
    """``POST /api/channel/fetch_models``: an unsaved channel's connection."""

    type: int = 1
    base_url: str = ""
    key: str = ""


class MultiKeyManageRequest(BaseModel):
    """``POST /api/channel/multi_key/manage``."""

    channel_id: int
    action: str
    key_index: int | None = None
    page: int = 0
    page_size: int = 0
    status: int | None = None
    """get_key_status filter: 1 enabled, 2 manually disabled, 3 automatically disabled."""


class KeyStatus(BaseModel):
    """One key of a multi-key channel, previewed (never the whole key)."""

    index: int
    status: int
    disabled_time: int | None = None
    reason: str | None = None
    key_preview: str


class MultiKeyStatusPage(BaseModel):
    """get_key_status: a page of keys (after the status filter) and counts over all keys."""

    keys: list[KeyStatus]
    total: int
    page: int
    page_size: int
    total_pages: int
    enabled_count: int
    manual_disabled_count: int
    auto_disabled_count: int


class UpstreamUpdateRequest(BaseModel):
    """``POST /api/channel/upstream_updates/{detect,apply}``."""

    id: int = 0
    add_models: list[str] = Field(default_factory=list)
    remove_models: list[str] = Field(default_factory=list)
    ignore_models: list[str] = Field(default_factory=list)


class UpstreamDetectResult(BaseModel):
    """Models the upstream lists that the channel lacks, and channel models it no longer lists."""

    channel_id: int
    channel_name: str
    add_models: list[str]
    remove_models: list[str]
    last_check_time: int
    auto_added_models: int = 0


class UpstreamApplyResult(BaseModel):
    """What ``upstream_updates/apply`` changed and what is still pending."""

    id: int
    added_models: list[str]
    removed_models: list[str]
    ignored_models: list[str]
    remaining_models: list[str]
    remaining_remove_models: list[str]
    models: str
    settings: str


class TestAnswer(BaseModel):
    """``GET /api/channel/test/{id}``: new-api puts ``time`` (seconds) beside the envelope."""

    success: bool
    message: str = ""
    time: float = 0.0
    error_code: str | None = None


class BalanceAnswer(BaseModel):
    """``GET /api/channel/update_balance/{id}``: new-api puts ``balance`` beside the envelope."""

    success: bool = True
    message: str = ""
    balance: float = 0.0


class UpstreamDetectAllResult(BaseModel):
    """``POST /api/channel/upstream_updates/detect_all``: channels with checks enabled."""

    processed_channels: int
    failed_channel_ids: list[int]
    detected_add_models: int
    detected_remove_models: int
    channel_detected_results: list[UpstreamDetectResult]
