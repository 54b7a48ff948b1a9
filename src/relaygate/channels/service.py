"""Channel rules: validation of JSON fields, batch creation, keys encrypted at rest, abilities."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.channels import repository
from relaygate.channels.repository import ChannelQuery, split_list
from relaygate.channels.schemas import (
    ChannelAddRequest,
    ChannelPage,
    ChannelPublic,
    ChannelUpdate,
    ModelEntry,
)
from relaygate.db.models.channel import (
    CHANNEL_STATUS_AUTO_DISABLED,
    CHANNEL_STATUS_ENABLED,
    CHANNEL_STATUS_MANUALLY_DISABLED,
    Channel,
)
from relaygate.errors import ApiRefused
from relaygate.kit import clock, jsonx
from relaygate.kit.crypto import SecretBox
from relaygate.misc.paging import PageQuery

MODEL_NAME_MAX = 255
VALID_STATUSES = frozenset(
    {CHANNEL_STATUS_ENABLED, CHANNEL_STATUS_MANUALLY_DISABLED, CHANNEL_STATUS_AUTO_DISABLED}
)
# Fields stored as JSON object text, and whether their values must be strings.
_JSON_OBJECT_FIELDS: dict[str, bool] = {
    "model_mapping": True,
    "status_code_mapping": True,
    "param_override": False,
    "header_override": False,
    "setting": False,
    "settings": False,
}


def _json_object(field: str, raw: str | None, *, string_values: bool) -> None:
    if raw is None or not raw.strip():
        return
    try:
        value: Any = jsonx.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ApiRefused(f'{field} must be a JSON object, e.g. {{"gpt-4o": "gpt-4o-2024-11-20"}}')
    if string_values and not all(isinstance(v, str) for v in value.values()):
        raise ApiRefused(f"{field} must map strings to strings")


def _validate_fields(values: dict[str, Any]) -> None:
    for field, string_values in _JSON_OBJECT_FIELDS.items():
        if field in values:
            _json_object(field, values[field], string_values=string_values)
    for model in split_list(values.get("models")):
        if len(model) > MODEL_NAME_MAX:
            raise ApiRefused(f"模型名称过长: {model}")
    status = values.get("status")
    if status is not None and status not in VALID_STATUSES:
        raise ApiRefused(f"invalid channel status {status}")
    weight = values.get("weight")
    if weight is not None and weight < 0:
        raise ApiRefused("weight must not be negative")


def _normalized_lists(values: dict[str, Any]) -> None:
    for field in ("models", "group"):
        if values.get(field) is not None:
            values[field] = ",".join(split_list(values[field]))


def public(channel: Channel) -> ChannelPublic:
    """The channel without its key."""
    view = ChannelPublic.model_validate(channel)
    view.key = ""
    return view


def _split_keys(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


async def create(
    session: AsyncSession, body: ChannelAddRequest, secrets: SecretBox
) -> list[Channel]:
    """One channel (``single``) or one per non-empty key line (``batch``), abilities included."""
    template = body.channel
    values = template.model_dump()
    _validate_fields(values)
    _normalized_lists(values)
    if not values["group"]:
        values["group"] = "default"
    keys = _split_keys(template.key) if body.mode == "batch" else [template.key.strip()]
    keys = [key for key in keys if key]
    if not keys:
        raise ApiRefused("channel cannot be empty")
    created: list[Channel] = []
    now = clock.now()
    for key in keys:
        fields = dict(values)
        fields["key"] = secrets.encrypt(key)
        if body.batch_add_set_key_prefix_2_name and len(keys) > 1:
            fields["name"] = f"{template.name} {key[:8]}"
        channel = await repository.add(session, Channel(**fields, created_time=now))
        await repository.replace_abilities(session, channel)
        created.append(channel)
    return created


async def update(session: AsyncSession, body: ChannelUpdate, secrets: SecretBox) -> Channel:
    """Apply a partial update and rebuild the channel's abilities."""
    channel = await repository.get(session, body.id)
    if channel is None:
        raise ApiRefused("渠道不存在")
    values = body.model_dump(exclude={"id"}, exclude_none=True)
    # Plain (non-pointer) fields in new-api are skipped by gorm when zero or empty.
    for field in ("type", "key", "name", "models", "group", "status", "other", "settings"):
        if field in values and values[field] in ("", 0):
            del values[field]
    if "key" in values:
        values["key"] = values["key"].strip()
    _validate_fields(values)
    _normalized_lists(values)
    if "key" in values:
        values["key"] = secrets.encrypt(values["key"])
    for field, value in values.items():
        setattr(channel, field, value)
    await session.flush()
    await repository.replace_abilities(session, channel)
    return channel


async def delete(session: AsyncSession, channel_id: int) -> None:
    """Remove a channel and its abilities."""
    if not await repository.delete_channel(session, channel_id):
        raise ApiRefused("渠道不存在")


async def get(session: AsyncSession, channel_id: int) -> ChannelPublic:
    """One channel, key blanked."""
    channel = await repository.get(session, channel_id)
    if channel is None:
        raise ApiRefused("渠道不存在")
    return public(channel)


def _page(
    rows: Sequence[Channel], total: int, page: PageQuery, type_counts: dict[int, int]
) -> ChannelPage:
    return ChannelPage(
        items=[public(row) for row in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
        type_counts=type_counts,
    )


async def list_channels(
    session: AsyncSession, query: ChannelQuery, page: PageQuery, *, tag_mode: bool
) -> ChannelPage:
    """A page of channels (or, in tag mode, of tags with their channels)."""
    lister = repository.list_tag_page if tag_mode else repository.list_page
    rows, total = await lister(session, query, offset=page.offset, limit=page.page_size)
    return _page(rows, total, page, await repository.type_counts(session, query))


async def search_channels(
    session: AsyncSession, query: ChannelQuery, page: PageQuery, *, keyword: str, model: str
) -> ChannelPage:
    """Channels matching a keyword and a model substring, paged in memory as new-api does."""
    everything = await repository.search(
        session, dataclasses.replace(query, type=None), keyword=keyword, model=model
    )
    type_counts: dict[int, int] = {}
    for channel in everything:
        type_counts[channel.type] = type_counts.get(channel.type, 0) + 1
    if query.type is not None and query.type >= 0:
        everything = [channel for channel in everything if channel.type == query.type]
    window = everything[page.offset : page.offset + page.page_size]
    return _page(window, len(everything), page, type_counts)


def known_models(model_names: Sequence[str]) -> list[ModelEntry]:
    """OpenAI-style model objects for the console's model pickers."""
    return [ModelEntry(id=name) for name in sorted(set(model_names))]
