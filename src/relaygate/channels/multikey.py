"""Multi-key channels: one channel row holding many upstream keys (new-api ``ChannelInfo``).

The keys live in the channel's (encrypted) ``key`` column, one per line or as a JSON array
(Vertex service accounts); ``channel_info`` holds per-key status by index. Everything here is
pure: the relay calls :func:`pick_key`, the console's key manager calls :func:`manage`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from relaygate.db.models.channel import (
    CHANNEL_STATUS_AUTO_DISABLED,
    CHANNEL_STATUS_ENABLED,
    CHANNEL_STATUS_MANUALLY_DISABLED,
)
from relaygate.kit import jsonx

MultiKeyMode = Literal["random", "polling"]
MULTI_KEY_MODES: Final[frozenset[str]] = frozenset({"random", "polling"})
KEY_PREVIEW_LENGTH = 10


class NoEnabledKey(LookupError):
    """Every key of a multi-key channel is disabled (new-api ``channel:no_available_key``)."""


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """new-api's ``channel_info`` JSON; a status absent from ``status`` means enabled."""

    is_multi_key: bool = False
    size: int = 0
    status: Mapping[int, int] = field(default_factory=dict)
    disabled_reason: Mapping[int, str] = field(default_factory=dict)
    disabled_time: Mapping[int, int] = field(default_factory=dict)
    polling_index: int = 0
    mode: str = "random"

    def key_status(self, index: int) -> int:
        """The status of key ``index`` (1 enabled, 2 manually, 3 automatically disabled)."""
        return self.status.get(index, CHANNEL_STATUS_ENABLED)

    def to_json(self) -> dict[str, Any]:
        """The JSON object new-api stores (map keys as strings, as Go's encoder writes them)."""
        return {
            "is_multi_key": self.is_multi_key,
            "multi_key_size": self.size,
            "multi_key_status_list": {str(i): s for i, s in sorted(self.status.items())},
            "multi_key_disabled_reason": {
                str(i): r for i, r in sorted(self.disabled_reason.items())
            },
            "multi_key_disabled_time": {str(i): t for i, t in sorted(self.disabled_time.items())},
            "multi_key_polling_index": self.polling_index,
            "multi_key_mode": self.mode,
        }

    def dumps(self) -> str:
        """``to_json`` as column text."""
        return jsonx.dumps_str(self.to_json())


def _int_map(raw: Any, value_type: type) -> dict[int, Any]:
    if not isinstance(raw, dict):
        return {}
    result: dict[int, Any] = {}
    for key, value in raw.items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            continue
        if value_type is str and isinstance(value, str):
            result[index] = value
        elif value_type is int and isinstance(value, int | float) and not isinstance(value, bool):
            result[index] = int(value)
    return result


def parse_info(raw: str | Mapping[str, Any] | ChannelInfo | None) -> ChannelInfo:
    """A ``channel_info`` column (text, parsed JSON, or already parsed) as ChannelInfo."""
    if isinstance(raw, ChannelInfo):
        return raw
    data: Any = raw
    if isinstance(raw, str):
        try:
            data = jsonx.loads(raw) if raw.strip() else {}
        except ValueError:
            data = {}
    if not isinstance(data, Mapping):
        return ChannelInfo()
    mode = data.get("multi_key_mode")
    return ChannelInfo(
        is_multi_key=bool(data.get("is_multi_key")),
        size=int(data.get("multi_key_size") or 0),
        status=_int_map(data.get("multi_key_status_list"), int),
        disabled_reason=_int_map(data.get("multi_key_disabled_reason"), str),
        disabled_time=_int_map(data.get("multi_key_disabled_time"), int),
        polling_index=int(data.get("multi_key_polling_index") or 0),
        mode=mode if isinstance(mode, str) and mode in MULTI_KEY_MODES else "random",
    )


def split_keys(key_text: str) -> list[str]:
    """The keys of a channel: a JSON array's items (as JSON text) or non-empty lines."""
    trimmed = key_text.strip()
    if not trimmed:
        return []
    if trimmed.startswith("["):
        try:
            items = jsonx.loads(trimmed)
        except ValueError:
            items = None
        if isinstance(items, list):
            return [item if isinstance(item, str) else jsonx.dumps_str(item) for item in items]
    return [line.strip() for line in trimmed.splitlines() if line.strip()]


def join_keys(keys: list[str]) -> str:
    """Key list back to column text (one per line)."""
    return "\n".join(keys)


def pick_key(
    channel_key_text: str,
    channel_info: str | Mapping[str, Any] | ChannelInfo | None,
    *,
    rng: random.Random | None = None,
    poll_index: int | None = None,
) -> tuple[int, str]:
    """The key to use for one upstream call, and its index.

    A single-key channel answers ``(0, key)``. A multi-key channel skips disabled keys and
    picks by its ``multi_key_mode``: ``random`` (``rng``, default the module RNG) or
    ``polling``: the first enabled key at or after ``poll_index`` (default the stored
    ``multi_key_polling_index``); the caller keeps ``index + 1`` as the next poll index.
    Raises :class:`NoEnabledKey` when no key is usable.
    """
    info = parse_info(channel_info)
    if not info.is_multi_key:
        key = channel_key_text.strip()
        if not key:
            raise NoEnabledKey("channel has no key")
        return 0, key
    keys = split_keys(channel_key_text)
    enabled = [i for i in range(len(keys)) if info.key_status(i) == CHANNEL_STATUS_ENABLED]
    if not enabled:
        raise NoEnabledKey("no enabled keys")
    if info.mode == "polling":
        start = info.polling_index if poll_index is None else poll_index
        if not 0 <= start < len(keys):
            start = 0
        for step in range(len(keys)):
            index = (start + step) % len(keys)
            if info.key_status(index) == CHANNEL_STATUS_ENABLED:
                return index, keys[index]
    index = (rng or random).choice(enabled)
    return index, keys[index]


def multi_key_info(keys: list[str], mode: str) -> ChannelInfo:
    """Info for a new ``multi_to_single`` channel: every key enabled."""
    return ChannelInfo(
        is_multi_key=True, size=len(keys), mode=mode if mode in MULTI_KEY_MODES else "random"
    )


def resized(info: ChannelInfo, size: int) -> ChannelInfo:
    """Info after the key list changed length: statuses past the end are dropped."""
    if not info.is_multi_key:
        return info
    return replace(
        info,
        size=size,
        status={i: s for i, s in info.status.items() if i < size},
        disabled_reason={i: r for i, r in info.disabled_reason.items() if i < size},
        disabled_time={i: t for i, t in info.disabled_time.items() if i < size},
        polling_index=info.polling_index if info.polling_index < max(size, 1) else 0,
    )


def with_key_status(
    info: ChannelInfo, index: int, status: int, *, reason: str = "", at: int = 0
) -> ChannelInfo:
    """Info with key ``index`` set to ``status`` (enabling forgets its reason and time)."""
    statuses = dict(info.status)
    reasons = dict(info.disabled_reason)
    times = dict(info.disabled_time)
    if status == CHANNEL_STATUS_ENABLED:
        statuses.pop(index, None)
        reasons.pop(index, None)
        times.pop(index, None)
    else:
        statuses[index] = status
        if reason:
            reasons[index] = reason
        if at:
            times[index] = at
    return replace(info, status=statuses, disabled_reason=reasons, disabled_time=times)


def any_enabled(info: ChannelInfo, key_count: int) -> bool:
    """Whether at least one of ``key_count`` keys is enabled."""
    return any(info.key_status(i) == CHANNEL_STATUS_ENABLED for i in range(key_count))


def preview(key: str) -> str:
    """The first characters of a key, so an admin can tell keys apart (new-api: 10)."""
    return key[:KEY_PREVIEW_LENGTH] + "..." if len(key) > KEY_PREVIEW_LENGTH else key


@dataclass(frozen=True, slots=True)
class ManageOutcome:
    """What a key-manager action did: the new keys and info, and the console's message."""

    keys: list[str]
    info: ChannelInfo
    message: str
    data: Any = None
    changed: bool = True


class ManageRefused(ValueError):
    """A key-manager action that cannot be done (message is shown to the admin)."""


def _drop_keys(keys: list[str], info: ChannelInfo, drop: set[int]) -> tuple[list[str], ChannelInfo]:
    remaining: list[str] = []
    statuses: dict[int, int] = {}
    reasons: dict[int, str] = {}
    times: dict[int, int] = {}
    for old, key in enumerate(keys):
        if old in drop:
            continue
        new = len(remaining)
        remaining.append(key)
        status = info.key_status(old)
        if status != CHANNEL_STATUS_ENABLED:
            statuses[new] = status
        if old in info.disabled_reason:
            reasons[new] = info.disabled_reason[old]
        if old in info.disabled_time:
            times[new] = info.disabled_time[old]
    updated = replace(
        info,
        size=len(remaining),
        status=statuses,
        disabled_reason=reasons,
        disabled_time=times,
        polling_index=0,
    )
    return remaining, updated


def _checked_index(info: ChannelInfo, key_index: int | None, verb: str) -> int:
    if key_index is None:
        raise ManageRefused(f"未指定要{verb}的密钥索引")
    if not 0 <= key_index < info.size:
        raise ManageRefused("密钥索引超出范围")
    return key_index


def manage(
    keys: list[str], info: ChannelInfo, action: str, *, key_index: int | None, now: int
) -> ManageOutcome:
    """Apply one ``POST /api/channel/multi_key/manage`` write action (not get_key_status)."""
    if action == "disable_key":
        index = _checked_index(info, key_index, "禁用")
        updated = with_key_status(info, index, CHANNEL_STATUS_MANUALLY_DISABLED, at=now)
        return ManageOutcome(keys, updated, "密钥已禁用")
    if action == "enable_key":
        index = _checked_index(info, key_index, "启用")
        return ManageOutcome(
            keys, with_key_status(info, index, CHANNEL_STATUS_ENABLED), "密钥已启用"
        )
    if action == "enable_all_keys":
        count = len(info.status)
        cleared = replace(info, status={}, disabled_reason={}, disabled_time={})
        return ManageOutcome(keys, cleared, f"已启用 {count} 个密钥")
    if action == "disable_all_keys":
        updated = info
        count = 0
        for index in range(info.size):
            if updated.key_status(index) == CHANNEL_STATUS_ENABLED:
                updated = with_key_status(updated, index, CHANNEL_STATUS_MANUALLY_DISABLED, at=now)
                count += 1
        if count == 0:
            raise ManageRefused("没有可禁用的密钥")
        return ManageOutcome(keys, updated, f"已禁用 {count} 个密钥")
    if action == "delete_key":
        index = _checked_index(info, key_index, "删除")
        remaining, updated = _drop_keys(keys, info, {index})
        if not remaining:
            raise ManageRefused("不能删除最后一个密钥")
        return ManageOutcome(remaining, updated, "密钥已删除")
    if action == "delete_disabled_keys":
        # Only automatically disabled keys go; a manual disable is a decision to keep.
        drop = {i for i in range(len(keys)) if info.key_status(i) == CHANNEL_STATUS_AUTO_DISABLED}
        if not drop:
            raise ManageRefused("没有需要删除的自动禁用密钥")
        remaining, updated = _drop_keys(keys, info, drop)
        return ManageOutcome(
            remaining, updated, f"已删除 {len(drop)} 个自动禁用的密钥", data=len(drop)
        )
    raise ManageRefused("不支持的操作")
