"""Operations on many channels at once (tags, batches, clean-up) and on a multi-key channel's
keys. Like ``service``, nothing here commits; abilities always follow the rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.channels import multikey, repository
from relaygate.channels.repository import split_list
from relaygate.channels.schemas import (
    FixResult,
    KeyStatus,
    MultiKeyManageRequest,
    MultiKeyStatusPage,
    TagEdit,
)
from relaygate.channels.service import load, plain_key
from relaygate.channels.validation import json_object, validate_fields
from relaygate.db.models.channel import (
    CHANNEL_STATUS_AUTO_DISABLED,
    CHANNEL_STATUS_ENABLED,
    CHANNEL_STATUS_MANUALLY_DISABLED,
    Channel,
)
from relaygate.errors import ApiRefused
from relaygate.kit import clock
from relaygate.kit.crypto import SecretBox

BAD_PARAMS = "参数错误"
_COPY_SKIPPED = frozenset({"id", "created_time", "test_time", "response_time"})


# -- tags ------------------------------------------------------------------------------


async def edit_by_tag(session: AsyncSession, edit: TagEdit) -> int:
    """``PUT /api/channel/tag``: write the sent fields to every channel with the tag.

    As in new-api, empty ``models``/``groups`` leave those alone; a new tag renames the tag.
    Returns how many channels carry the (possibly renamed) tag.
    """
    if not edit.tag:
        raise ApiRefused("tag不能为空")
    values: dict[str, Any] = {}
    for field in ("param_override", "header_override"):
        raw = getattr(edit, field)
        if raw is not None:
            json_object(
                field, raw.strip(), "参数覆盖" if field == "param_override" else "请求头覆盖"
            )
            values[field] = raw.strip()
    if edit.model_mapping is not None:
        values["model_mapping"] = edit.model_mapping
    if edit.models:
        values["models"] = ",".join(split_list(edit.models))
    if edit.groups:
        values["group"] = ",".join(split_list(edit.groups))
    if edit.priority is not None:
        values["priority"] = edit.priority
    if edit.weight is not None:
        values["weight"] = edit.weight
    new_tag = edit.tag
    if edit.new_tag is not None and edit.new_tag != edit.tag:
        new_tag = edit.new_tag
        values["tag"] = new_tag
    validate_fields(values)
    await repository.update_by_tag(session, edit.tag, values)
    channels = await repository.by_tag(session, new_tag)
    for channel in channels:
        await session.refresh(channel)
        await repository.replace_abilities(session, channel)
    return len(channels)


async def set_tag_enabled(session: AsyncSession, tag: str, *, enabled: bool) -> None:
    """``POST /api/channel/tag/enabled|disabled``: every channel with the tag, and abilities."""
    if not tag:
        raise ApiRefused(BAD_PARAMS)
    status = CHANNEL_STATUS_ENABLED if enabled else CHANNEL_STATUS_MANUALLY_DISABLED
    await repository.update_by_tag(session, tag, {"status": status})
    await repository.update_abilities_by_tag(session, tag, {"enabled": enabled})


async def batch_set_tag(session: AsyncSession, channel_ids: Sequence[int], tag: str | None) -> int:
    """``POST /api/channel/batch/tag``: set or clear (null or "") the tag of these channels."""
    if not channel_ids:
        raise ApiRefused(BAD_PARAMS)
    await repository.set_tag(session, channel_ids, tag or None)
    return len(channel_ids)


async def tag_models(session: AsyncSession, tag: str) -> str:
    """``GET /api/channel/tag/models``: the longest model list among the tag's channels."""
    if not tag:
        raise ApiRefused("tag不能为空")
    longest, size = "", 0
    for channel in await repository.by_tag(session, tag):
        count = len(split_list(channel.models))
        if count > size:
            longest, size = channel.models, count
    return longest


# -- batches and clean-up --------------------------------------------------------------


async def batch_delete(session: AsyncSession, channel_ids: Sequence[int]) -> int:
    """``POST /api/channel/batch``: delete these channels; answers how many ids were sent."""
    if not channel_ids:
        raise ApiRefused(BAD_PARAMS)
    await repository.delete_many(session, channel_ids)
    return len(channel_ids)


async def delete_disabled(session: AsyncSession) -> int:
    """``DELETE /api/channel/disabled``: remove disabled channels (and their abilities)."""
    return await repository.delete_many(session, await repository.disabled_ids(session))


async def fix_abilities(session: AsyncSession) -> FixResult:
    """``POST /api/channel/fix``: rebuild every channel's abilities from its row."""
    # One transaction for all: a failure rolls the whole repair back, so ``fails`` is
    # always 0 (new-api counts per-channel failures because it commits each one).
    channels = await repository.all_channels(session)
    for channel in channels:
        await repository.replace_abilities(session, channel)
    return FixResult(success=len(channels), fails=0)


async def copy(
    session: AsyncSession, channel_id: int, *, suffix: str, reset_balance: bool
) -> Channel:
    """``POST /api/channel/copy/{id}``: a clone with its key, a suffixed name and no test data."""
    origin = await load(session, channel_id)
    fields = {
        column.key: getattr(origin, column.key)
        for column in Channel.__table__.columns
        if column.key not in _COPY_SKIPPED
    }
    fields["name"] = origin.name + suffix
    if reset_balance:
        fields["balance"] = 0.0
        fields["used_quota"] = 0
    clone = await repository.add(session, Channel(**fields, created_time=clock.now()))
    await repository.replace_abilities(session, clone)
    return clone


# -- multi-key channels ----------------------------------------------------------------


def key_status_page(
    keys: list[str], info: multikey.ChannelInfo, request: MultiKeyManageRequest
) -> MultiKeyStatusPage:
    """get_key_status: a page of key previews, filtered by status, with counts over all keys."""
    page = request.page if request.page > 0 else 1
    page_size = request.page_size if request.page_size > 0 else 50
    counts = {CHANNEL_STATUS_ENABLED: 0, CHANNEL_STATUS_MANUALLY_DISABLED: 0}
    counts[CHANNEL_STATUS_AUTO_DISABLED] = 0
    listed: list[KeyStatus] = []
    for index, key in enumerate(keys):
        status = info.key_status(index)
        counts[status] = counts.get(status, 0) + 1
        if request.status is not None and status != request.status:
            continue
        disabled = status != CHANNEL_STATUS_ENABLED
        listed.append(
            KeyStatus(
                index=index,
                status=status,
                disabled_time=info.disabled_time.get(index) if disabled else None,
                reason=info.disabled_reason.get(index) if disabled else None,
                key_preview=multikey.preview(key),
            )
        )
    total_pages = max(1, -(-len(listed) // page_size))
    page = min(page, total_pages)
    start = (page - 1) * page_size
    return MultiKeyStatusPage(
        keys=listed[start : start + page_size],
        total=len(listed),
        page=page,
        page_size=page_size,
        total_pages=total_pages,
        enabled_count=counts[CHANNEL_STATUS_ENABLED],
        manual_disabled_count=counts[CHANNEL_STATUS_MANUALLY_DISABLED],
        auto_disabled_count=counts[CHANNEL_STATUS_AUTO_DISABLED],
    )


async def manage_keys(
    session: AsyncSession, request: MultiKeyManageRequest, secrets: SecretBox
) -> tuple[str, Any, bool]:
    """``POST /api/channel/multi_key/manage``: (message, data, changed) for one action.

    The channel's status follows its keys: no enabled key left disables it automatically,
    an enabled key brings back a channel that was disabled that way.
    """
    channel = await repository.get(session, request.channel_id)
    if channel is None:
        raise ApiRefused("渠道不存在")
    info = multikey.parse_info(channel.channel_info)
    if not info.is_multi_key:
        raise ApiRefused("该渠道不是多密钥模式")
    keys = multikey.split_keys(plain_key(channel, secrets))
    info = dataclasses.replace(info, size=len(keys))
    if request.action == "get_key_status":
        return "", key_status_page(keys, info, request), False
    try:
        outcome = multikey.manage(
            keys, info, request.action, key_index=request.key_index, now=clock.now()
        )
    except multikey.ManageRefused as exc:
        raise ApiRefused(str(exc)) from None
    channel.key = secrets.encrypt(multikey.join_keys(outcome.keys))
    channel.channel_info = outcome.info.dumps()
    has_enabled = multikey.any_enabled(outcome.info, len(outcome.keys))
    if not has_enabled and channel.status == CHANNEL_STATUS_ENABLED:
        channel.status = CHANNEL_STATUS_AUTO_DISABLED
    elif has_enabled and channel.status == CHANNEL_STATUS_AUTO_DISABLED:
        channel.status = CHANNEL_STATUS_ENABLED
    await session.flush()
    await repository.replace_abilities(session, channel)
    return outcome.message, outcome.data, True
