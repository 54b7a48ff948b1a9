"""Option rules: which keys are readable, and what each value must look like before it is stored."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.errors import ApiRefused
from relaygate.kit import jsonx
from relaygate.options import repository
from relaygate.options.defaults import DEFAULT_OPTIONS
from relaygate.options.schemas import OptionPublic, OptionUpdate

# JSON objects of model or group name → non-negative number.
NUMBER_MAP_OPTIONS = frozenset(
    {
        "ModelRatio",
        "CompletionRatio",
        "CacheRatio",
        "CreateCacheRatio",
        "ModelPrice",
        "GroupRatio",
        "ImageRatio",
        "AudioRatio",
        "AudioCompletionRatio",
    }
)
STRING_MAP_OPTIONS = frozenset({"UserUsableGroups"})
NON_NEGATIVE_INT_OPTIONS = frozenset(
    {
        "RetryTimes",
        "QuotaForNewUser",
        "QuotaForInviter",
        "QuotaForInvitee",
        "PreConsumedQuota",
        "QuotaRemindThreshold",
        "DefaultCompletionReserveTokens",
    }
)
POSITIVE_NUMBER_OPTIONS = frozenset({"QuotaPerUnit", "USDExchangeRate", "ChannelDisableThreshold"})
QUOTA_DISPLAY_TYPES = frozenset({"USD", "CNY", "TOKENS", "CUSTOM"})
_SENSITIVE_SUFFIXES = ("Token", "Secret", "Password", "Key", "secret", "api_key")


def is_sensitive(key: str) -> bool:
    """Keys new-api never lists back (``…Secret``, ``…Token``, ``…Key``, ``…Password``)."""
    return key.endswith(_SENSITIVE_SUFFIXES) or key.lower().endswith("_token")


def as_text(value: str | bool | int | float | None) -> str:
    """An option value as the text new-api stores (``true``/``false``, shortest number form)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_map(key: str, text: str) -> dict[str, Any]:
    try:
        parsed = jsonx.loads(text) if text.strip() else {}
    except ValueError:
        raise ApiRefused(f"{key} must be a JSON object") from None
    if not isinstance(parsed, dict):
        raise ApiRefused(f"{key} must be a JSON object")
    return parsed


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def validate(key: str, text: str) -> None:
    """Refuse a value the option's reader could not use."""
    if key in NUMBER_MAP_OPTIONS:
        for name, number in _json_map(key, text).items():
            if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                raise ApiRefused(f"{key}: value for {name!r} must be a non-negative number")
    elif key in STRING_MAP_OPTIONS:
        if not all(isinstance(v, str) for v in _json_map(key, text).values()):
            raise ApiRefused(f"{key} must map group names to descriptions")
    elif key.endswith("Enabled"):
        if text not in ("true", "false"):
            raise ApiRefused(f"{key} must be true or false")
    elif key in NON_NEGATIVE_INT_OPTIONS:
        if not text.strip().isdigit():
            raise ApiRefused(f"{key} must be a non-negative integer")
    elif key in POSITIVE_NUMBER_OPTIONS:
        number = _number(text)
        if number is None or number <= 0:
            raise ApiRefused(f"{key} must be a positive number")
    elif key == "QuotaDisplayType" and text not in QUOTA_DISPLAY_TYPES:
        raise ApiRefused(
            f"QuotaDisplayType must be one of {', '.join(sorted(QUOTA_DISPLAY_TYPES))}"
        )


async def list_options(session: AsyncSession) -> list[OptionPublic]:
    """Defaults overlaid with stored values, sensitive keys left out, sorted by key."""
    merged = {**DEFAULT_OPTIONS, **await repository.load_all(session)}
    return [
        OptionPublic(key=key, value=value)
        for key, value in sorted(merged.items())
        if not is_sensitive(key)
    ]


async def update(session: AsyncSession, body: OptionUpdate) -> None:
    """Validate and store one option."""
    key = body.key.strip()
    if not key:
        raise ApiRefused("无效的参数")
    text = as_text(body.value)
    validate(key, text)
    await repository.upsert(session, key, text)


async def store_flags(session: AsyncSession, flags: dict[str, bool]) -> None:
    """Store boolean options (setup's SelfUseModeEnabled / DemoSiteEnabled)."""
    for key, enabled in flags.items():
        await repository.upsert(session, key, as_text(enabled))
