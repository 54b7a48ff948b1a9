"""Channel rules: creation modes, partial updates, keys encrypted at rest, abilities in step.

Every write here leaves the abilities matching the channel rows; the router commits and then
publishes ``TOPIC_CHANNELS``. Tag, batch and multi-key operations live in ``bulk.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.channels import multikey, repository
from relaygate.channels.repository import ChannelQuery, split_list
from relaygate.channels.schemas import (
    ChannelAddRequest,
    ChannelPage,
    ChannelPublic,
    ChannelUpdate,
    ModelEntry,
)
from relaygate.channels.validation import validate_fields
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

VALID_STATUSES = frozenset(
    {CHANNEL_STATUS_ENABLED, CHANNEL_STATUS_MANUALLY_DISABLED, CHANNEL_STATUS_AUTO_DISABLED}
)
ADD_MODES = frozenset({"single", "batch", "multi_to_single"})
NOT_FOUND = "渠道不存在"


def _check_status(values: dict[str, Any]) -> None:
    status = values.get("status")
    if status is not None and status not in VALID_STATUSES:
        raise ApiRefused(f"invalid channel status {status}")


def _normalized_lists(values: dict[str, Any]) -> None:
    for field in ("models", "group"):
        if values.get(field) is not None:
            values[field] = ",".join(split_list(values[field]))


def public(channel: Channel) -> ChannelPublic:
    """The channel without its key."""
    view = ChannelPublic.model_validate(channel)
    view.key = ""
    return view


def plain_key(channel: Channel, secrets: SecretBox) -> str:
    """The channel's stored key text, decrypted (all keys, one per line, when multi-key)."""
    return secrets.decrypt(channel.key or "")


async def load(session: AsyncSession, channel_id: int) -> Channel:
    """A channel by id, or the console's "not found" refusal."""
    channel = await repository.get(session, channel_id)
    if channel is None:
        raise ApiRefused(NOT_FOUND)
    return channel


async def create(
    session: AsyncSession, body: ChannelAddRequest, secrets: SecretBox
) -> list[Channel]:
    """``single``: one channel; ``batch``: one per key line; ``multi_to_single``: one channel
    holding every key line, with per-key status in ``channel_info``."""
    if body.mode not in ADD_MODES:
        raise ApiRefused("不支持的添加模式")
    template = body.channel
    values = template.model_dump()
    validate_fields(values)
    _check_status(values)
    _normalized_lists(values)
    if not values["group"]:
        values["group"] = "default"
    single = body.mode == "single"
    keys = [template.key.strip()] if single else multikey.split_keys(template.key)
    keys = [key for key in keys if key]
    if not keys:
        raise ApiRefused("channel cannot be empty")
    now = clock.now()
    if body.mode == "multi_to_single":
        info = multikey.multi_key_info(keys, body.multi_key_mode)
        fields = {**values, "key": secrets.encrypt(multikey.join_keys(keys))}
        channel = Channel(**fields, created_time=now, channel_info=info.dumps())
        channel = await repository.add(session, channel)
        await repository.replace_abilities(session, channel)
        return [channel]
    created: list[Channel] = []
    for key in keys:
        fields = dict(values)
        fields["key"] = secrets.encrypt(key)
        if body.batch_add_set_key_prefix_2_name and len(keys) > 1:
            fields["name"] = f"{template.name} {key[:8]}"
        channel = await repository.add(session, Channel(**fields, created_time=now))
        await repository.replace_abilities(session, channel)
        created.append(channel)
    return created


def _merged_keys(stored: list[str], sent: str) -> list[str]:
    seen = set(stored)
    merged = list(stored)
    for key in multikey.split_keys(sent):
        if key not in seen:
            seen.add(key)
            merged.append(key)
    return merged


async def update(session: AsyncSession, body: ChannelUpdate, secrets: SecretBox) -> Channel:
    """Apply a partial update and rebuild the channel's abilities.

    A multi-key channel keeps its ``channel_info``; ``key_mode=append`` adds the sent keys to
    the stored ones, and key statuses past the new key count are dropped.
    """
    channel = await load(session, body.id)
    values = body.model_dump(exclude={"id", "multi_key_mode", "key_mode"}, exclude_none=True)
    # Plain (non-pointer) fields in new-api are skipped by gorm when zero or empty.
    for field in ("type", "key", "name", "models", "group", "status", "other", "settings"):
        if field in values and values[field] in ("", 0):
            del values[field]
    validate_fields(values)
    _check_status(values)
    _normalized_lists(values)
    info = multikey.parse_info(channel.channel_info)
    if info.is_multi_key:
        if body.multi_key_mode:
            if body.multi_key_mode not in multikey.MULTI_KEY_MODES:
                raise ApiRefused("multi_key_mode must be random or polling")
            info = dataclasses.replace(info, mode=body.multi_key_mode)
        keys = multikey.split_keys(plain_key(channel, secrets))
        if "key" in values:
            if body.key_mode == "append":
                keys = _merged_keys(keys, values["key"])
            else:
                keys = multikey.split_keys(values["key"])
            values["key"] = multikey.join_keys(keys)
        info = multikey.resized(info, len(keys))
        channel.channel_info = info.dumps()
    if "key" in values:
        values["key"] = secrets.encrypt(values["key"].strip())
    for field, value in values.items():
        setattr(channel, field, value)
    await session.flush()
    await repository.replace_abilities(session, channel)
    return channel


def _with_status_reason(channel: Channel, reason: str, at: int) -> None:
    try:
        other_info = jsonx.loads(channel.other_info) if channel.other_info else {}
    except ValueError:
        other_info = {}
    if not isinstance(other_info, dict):
        other_info = {}
    other_info["status_reason"] = reason
    other_info["status_time"] = at
    channel.other_info = jsonx.dumps_str(other_info)


async def apply_status(
    session: AsyncSession,
    channel_id: int,
    status: int,
    *,
    key_index: int | None = None,
    reason: str = "",
) -> bool:
    """Enable or disable a channel, or one key of a multi-key channel (new-api
    ``UpdateChannelStatus``); abilities follow the channel's status. True when it changed.

    Disabling a multi-key channel's last enabled key auto-disables the channel; enabling a
    key re-enables it. The caller commits and publishes ``TOPIC_CHANNELS``.
    """
    channel = await repository.get(session, channel_id)
    if channel is None:
        return False
    before = channel.status
    now = clock.now()
    info = multikey.parse_info(channel.channel_info)
    if info.is_multi_key and key_index is not None and 0 <= key_index < info.size:
        previous = info.key_status(key_index)
        info = multikey.with_key_status(info, key_index, status, reason=reason, at=now)
        channel.channel_info = info.dumps()
        if not multikey.any_enabled(info, info.size):
            channel.status = CHANNEL_STATUS_AUTO_DISABLED
            _with_status_reason(channel, "All keys are disabled", now)
        elif status == CHANNEL_STATUS_ENABLED:
            channel.status = CHANNEL_STATUS_ENABLED
        changed = previous != status or before != channel.status
    else:
        if before == status:
            return False
        channel.status = status
        _with_status_reason(channel, reason, now)
        changed = True
    await session.flush()
    if before != channel.status:
        await repository.set_channel_status(session, channel_id, channel.status)
    return changed


async def delete(session: AsyncSession, channel_id: int) -> None:
    """Remove a channel and its abilities."""
    if not await repository.delete_channel(session, channel_id):
        raise ApiRefused(NOT_FOUND)


async def get(session: AsyncSession, channel_id: int) -> ChannelPublic:
    """One channel, key blanked."""
    return public(await load(session, channel_id))


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
    session: AsyncSession,
    query: ChannelQuery,
    page: PageQuery,
    *,
    keyword: str,
    model: str,
    tag_mode: bool = False,
) -> ChannelPage:
    """Channels matching a keyword and a model substring, paged in memory as new-api does.

    In tag mode the matches only pick tags; every channel with one of them is listed.
    """
    everything = await repository.search(
        session, dataclasses.replace(query, type=None), keyword=keyword, model=model
    )
    if tag_mode:
        tags = list(dict.fromkeys(c.tag for c in everything if c.tag))
        status_query = dataclasses.replace(query, type=None)
        everything = [
            channel
            for channel in await repository.by_tags(session, tags, status_query)
            if _status_matches(channel, query.status)
        ]
    type_counts: dict[int, int] = {}
    for channel in everything:
        type_counts[channel.type] = type_counts.get(channel.type, 0) + 1
    if query.type is not None and query.type >= 0:
        everything = [channel for channel in everything if channel.type == query.type]
    window = everything[page.offset : page.offset + page.page_size]
    return _page(window, len(everything), page, type_counts)


def _status_matches(channel: Channel, status: str) -> bool:
    wanted = status.strip().lower()
    if wanted in ("enabled", "1"):
        return channel.status == CHANNEL_STATUS_ENABLED
    if wanted in ("disabled", "0"):
        return channel.status != CHANNEL_STATUS_ENABLED
    return True


def known_models(model_names: Sequence[str]) -> list[ModelEntry]:
    """OpenAI-style model objects for the console's model pickers."""
    return [ModelEntry(id=name) for name in sorted(set(model_names))]
