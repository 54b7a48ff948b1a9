"""The upstream's model list: fetch it, and compare it with the models a channel serves.

Detection (new-api ``upstream_updates/detect``) stores what it found in the channel's
``settings`` (``upstream_model_update_last_detected_models`` / ``..._removed_models``);
``apply`` then adds, removes or ignores models the admin picked from those lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.channels import repository
from relaygate.channels.probe import channel_target
from relaygate.channels.schemas import (
    UpstreamApplyResult,
    UpstreamDetectResult,
    UpstreamUpdateRequest,
)
from relaygate.db.models.channel import Channel
from relaygate.errors import ApiRefused, UpstreamError
from relaygate.kit import clock, jsonx
from relaygate.kit.crypto import SecretBox
from relaygate.providers.base import ChannelTarget
from relaygate.providers.registry import provider_for
from relaygate.providers.transport import Transport

DETECTED = "upstream_model_update_last_detected_models"
REMOVED = "upstream_model_update_last_removed_models"
IGNORED = "upstream_model_update_ignored_models"
CHECKED_AT = "upstream_model_update_last_check_time"


def normalized(models: Iterable[str]) -> list[str]:
    """Stripped, non-empty, unique names, first occurrence kept."""
    return list(dict.fromkeys(name.strip() for name in models if name and name.strip()))


def _minus(base: Iterable[str], removed: Iterable[str]) -> list[str]:
    drop = set(normalized(removed))
    return [name for name in normalized(base) if name not in drop]


def _within(base: Iterable[str], allowed: Iterable[str]) -> list[str]:
    keep = set(normalized(allowed))
    return [name for name in normalized(base) if name in keep]


def _ignored(name: str, ignored: list[str]) -> bool:
    for rule in ignored:
        if rule.startswith("regex:"):
            try:
                if re.search(rule[len("regex:") :].strip(), name):
                    return True
            except re.error:
                continue
        elif rule == name:
            return True
    return False


def pending_changes(
    local: Iterable[str],
    upstream: Iterable[str],
    *,
    ignored: Iterable[str] = (),
    mapping: Mapping[str, str] | None = None,
) -> tuple[list[str], list[str]]:
    """(models to add, models to remove): upstream models the channel lacks (not ignored, not
    already a mapping target) and channel models the upstream no longer lists (mapping
    sources are aliases, never removed)."""
    local_models = normalized(local)
    upstream_models = normalized(upstream)
    rules = normalized(ignored)
    mapping = mapping or {}
    covered = set(local_models) | set(mapping.values())
    listed = set(upstream_models)
    add = [m for m in upstream_models if m not in covered and not _ignored(m, rules)]
    remove = [m for m in local_models if m not in listed and m not in mapping]
    return add, remove


def unsaved_target(channel_type: int, base_url: str, key: str) -> ChannelTarget:
    """A target for ``POST /api/channel/fetch_models`` (the first key line is used)."""
    first = key.strip().split("\n")[0].strip() if key.strip() else ""
    return ChannelTarget(
        channel_id=0, channel_type=channel_type, name="", key=first, base_url=base_url
    )


def saved_target(channel: Channel, secrets: SecretBox) -> ChannelTarget:
    """A target for a stored channel, using its first key."""
    text = secrets.decrypt(channel.key or "").strip()
    first = text.split("\n")[0].strip() if text else ""
    return channel_target(channel, first)


async def fetch_models(target: ChannelTarget, transport: Transport) -> list[str]:
    """The upstream's model ids through the channel type's provider."""
    return normalized(await provider_for(target.channel_type).list_models(target, transport))


def _settings(channel: Channel) -> dict[str, Any]:
    return jsonx.loads_object(channel.settings)


def _string_list(value: Any) -> list[str]:
    return normalized(v for v in value if isinstance(v, str)) if isinstance(value, list) else []


async def detect(
    session: AsyncSession, channel: Channel, upstream_models: list[str]
) -> UpstreamDetectResult:
    """Compare and store the pending changes (auto-sync adds new models at once)."""
    settings = _settings(channel)
    mapping = {
        str(k).strip(): v.strip()
        for k, v in jsonx.loads_object(channel.model_mapping).items()
        if isinstance(v, str) and v.strip() and str(k).strip()
    }
    add, remove = pending_changes(
        channel.models.split(","),
        upstream_models,
        ignored=_string_list(settings.get(IGNORED)),
        mapping=mapping,
    )
    now = clock.now()
    auto_added = 0
    if settings.get("upstream_model_update_auto_sync_enabled") and add:
        merged = normalized([*channel.models.split(","), *add])
        auto_added = len(merged) - len(normalized(channel.models.split(",")))
        channel.models = ",".join(merged)
        settings[DETECTED] = []
    else:
        settings[DETECTED] = add
    settings[REMOVED] = remove
    settings[CHECKED_AT] = now
    channel.settings = jsonx.dumps_str(settings)
    await session.flush()
    if auto_added:
        await repository.replace_abilities(session, channel)
    return UpstreamDetectResult(
        channel_id=channel.id,
        channel_name=channel.name,
        add_models=_string_list(settings[DETECTED]),
        remove_models=remove,
        last_check_time=now,
        auto_added_models=auto_added,
    )


async def apply(
    session: AsyncSession, channel: Channel, request: UpstreamUpdateRequest
) -> tuple[UpstreamApplyResult, bool]:
    """Apply picked changes from the last detection; (result, whether models changed)."""
    if request.id <= 0:
        raise ApiRefused("invalid channel id")
    settings = _settings(channel)
    pending_add = _string_list(settings.get(DETECTED))
    pending_remove = _string_list(settings.get(REMOVED))
    add = _within(request.add_models, pending_add)
    ignore = _within(request.ignore_models, pending_add)
    remove = _minus(_within(request.remove_models, pending_remove), add)
    origin = normalized(channel.models.split(","))
    updated = _minus(normalized([*origin, *add]), remove)
    changed = updated != origin
    if changed:
        channel.models = ",".join(updated)
    ignored = normalized([*_string_list(settings.get(IGNORED)), *ignore])
    settings[IGNORED] = _minus(ignored, add)
    remaining = _minus(pending_add, [*add, *ignore])
    remaining_remove = _minus(pending_remove, remove)
    settings[DETECTED] = remaining
    settings[REMOVED] = remaining_remove
    settings[CHECKED_AT] = clock.now()
    channel.settings = jsonx.dumps_str(settings)
    await session.flush()
    if changed:
        await repository.replace_abilities(session, channel)
    result = UpstreamApplyResult(
        id=channel.id,
        added_models=add,
        removed_models=remove,
        ignored_models=ignore,
        remaining_models=remaining,
        remaining_remove_models=remaining_remove,
        models=channel.models,
        settings=channel.settings,
    )
    return result, changed


def upstream_error_message(error: UpstreamError) -> str:
    """new-api's wording for a failed model-list fetch."""
    return f"获取模型列表失败: {error.message}"


def check_enabled(channel: Channel) -> bool:
    """Whether the channel opted in to upstream model-update checks."""
    return bool(_settings(channel).get("upstream_model_update_check_enabled"))
