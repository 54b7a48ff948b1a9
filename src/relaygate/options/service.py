"""Option rules: which keys are readable, and what each value must look like before it is stored.

The checks are new-api's ``prepareOptionUpdate``: typed values become text, ratio maps must
hold non-negative numbers, a login method cannot be switched on before its client id is set,
console panels must be JSON arrays, and payment-compliance flags are refused here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.catalog.pricing import completion_ratio
from relaygate.errors import ApiRefused
from relaygate.kit import jsonx
from relaygate.options import repository
from relaygate.options.defaults import DEFAULT_MODEL_RATIO, DEFAULT_OPTIONS
from relaygate.options.schemas import OptionPublic, OptionUpdate
from relaygate.options.snapshot import OptionsSnapshot

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
JSON_ARRAY_OPTIONS = frozenset(
    {
        "console_setting.api_info",
        "console_setting.announcements",
        "console_setting.faq",
        "console_setting.uptime_kuma_groups",
        "Chats",
        "AutoGroups",
    }
)
STATUS_CODE_RANGE_OPTIONS = frozenset({"AutomaticDisableStatusCodes", "AutomaticRetryStatusCodes"})
BULK_OPTION_KEYS = frozenset({"SidebarModulesAdmin", "LogConsumeEnabled"})
BULK_OPTION_PREFIXES = ("registration_country.", "registration_security.")
MAX_BULK_OPTIONS = 100
RATIO_META_KEYS = (
    "ModelPrice",
    "ModelRatio",
    "CompletionRatio",
    "CacheRatio",
    "CreateCacheRatio",
    "ImageRatio",
    "AudioRatio",
    "AudioCompletionRatio",
)
# Enabling a login method needs its client id (or equivalent) first: key → (needed, message).
_REQUIRES: dict[str, tuple[str, str]] = {
    "GitHubOAuthEnabled": (
        "GitHubClientId",
        "无法启用 GitHub OAuth，请先填入 GitHub Client Id 以及 GitHub Client Secret！",
    ),
    "discord.enabled": (
        "discord.client_id",
        "无法启用 Discord OAuth，请先填入 Discord Client Id 以及 Discord Client Secret！",
    ),
    "oidc.enabled": (
        "oidc.client_id",
        "无法启用 OIDC 登录，请先填入 OIDC Client Id 以及 OIDC Client Secret！",
    ),
    "google.enabled": (
        "google.client_id",
        "无法启用 Google OAuth，请先填入 Google Client Id 以及 Google Client Secret！",
    ),
    "LinuxDOOAuthEnabled": (
        "LinuxDOClientId",
        "无法启用 LinuxDO OAuth，请先填入 LinuxDO Client Id 以及 LinuxDO Client Secret！",
    ),
    "EmailDomainRestrictionEnabled": (
        "EmailDomainWhitelist",
        "无法启用邮箱域名限制，请先填入限制的邮箱域名！",
    ),
    "WeChatAuthEnabled": (
        "WeChatServerAddress",
        "无法启用微信登录，请先填入微信登录相关配置信息！",
    ),
    "TurnstileCheckEnabled": (
        "TurnstileSiteKey",
        "无法启用 Turnstile 校验，请先填入 Turnstile 校验相关配置信息！",
    ),
    "TelegramOAuthEnabled": (
        "TelegramBotToken",
        "无法启用 Telegram OAuth，请先填入 Telegram Bot Token！",
    ),
}
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


def _status_code_ranges(key: str, text: str) -> None:
    # "401,403,500-599": codes or ranges of codes between 100 and 599.
    for part in (p.strip() for p in text.replace("\n", ",").split(",")):
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise ApiRefused(f"{key}: invalid status code {part!r}") from None
        if not 100 <= first <= last <= 599:
            raise ApiRefused(f"{key}: invalid status code range {part!r}")


def _json_array(key: str, text: str) -> None:
    if not text.strip():
        return
    try:
        parsed = jsonx.loads(text)
    except ValueError:
        raise ApiRefused(f"{key} must be a JSON array") from None
    if not isinstance(parsed, list):
        raise ApiRefused(f"{key} must be a JSON array")


def validate(key: str, text: str, current: Mapping[str, str] | None = None) -> None:
    """Refuse a value the option's reader could not use.

    ``current`` holds the stored options, for checks that depend on another option.
    """
    if key.startswith("payment_setting.compliance_"):
        raise ApiRefused("合规确认字段不允许通过通用设置接口修改")
    if key in _REQUIRES and text == "true":
        needed, message = _REQUIRES[key]
        if not (current or {}).get(needed, "").strip():
            raise ApiRefused(message)
    if key == "theme.frontend" and text not in ("default", "classic"):
        raise ApiRefused("无效的主题值，可选值：default（新版前端）、classic（经典前端）")
    if key in JSON_ARRAY_OPTIONS:
        _json_array(key, text)
    elif key in STATUS_CODE_RANGE_OPTIONS:
        _status_code_ranges(key, text)
    elif key in ("GroupModelRatio", "group_ratio_setting.group_model_ratio"):
        for group, ratios in _json_map(key, text).items():
            if not isinstance(ratios, dict):
                raise ApiRefused(f"{key}: {group!r} must map models to ratios")
            for name, number in ratios.items():
                if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                    raise ApiRefused(f"group model ratio must be not less than 0: {group}/{name}")
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


def _completion_ratio_meta(values: Mapping[str, str]) -> str:
    # new-api appends CompletionRatioMeta: model → {ratio, locked} for every priced model.
    snapshot = OptionsSnapshot.build(values)
    names: set[str] = set()
    for key in RATIO_META_KEYS:
        parsed = snapshot.json_value(key)
        if isinstance(parsed, dict):
            names.update(str(name) for name in parsed)
    meta = {
        name: {"ratio": completion_ratio(snapshot, name), "locked": False} for name in sorted(names)
    }
    return jsonx.dumps_str(meta)


async def stored(session: AsyncSession) -> dict[str, str]:
    """Defaults overlaid with stored values."""
    return {**DEFAULT_OPTIONS, **await repository.load_all(session)}


async def list_options(session: AsyncSession) -> list[OptionPublic]:
    """Defaults overlaid with stored values, sensitive keys left out, sorted by key, then
    ``CompletionRatioMeta`` as new-api appends it."""
    merged = await stored(session)
    listed = [
        OptionPublic(key=key, value=value)
        for key, value in sorted(merged.items())
        if not is_sensitive(key)
    ]
    listed.append(OptionPublic(key="CompletionRatioMeta", value=_completion_ratio_meta(merged)))
    return listed


async def update(session: AsyncSession, body: OptionUpdate) -> str:
    """Validate and store one option; returns the key."""
    key = body.key.strip()
    if not key:
        raise ApiRefused("无效的参数")
    text = as_text(body.value)
    validate(key, text, await stored(session))
    await repository.upsert(session, key, text)
    return key


def is_bulk_key(key: str) -> bool:
    """Keys new-api lets ``PUT /api/option/bulk`` save together."""
    return key in BULK_OPTION_KEYS or key.startswith(BULK_OPTION_PREFIXES)


async def update_bulk(session: AsyncSession, options: list[OptionUpdate]) -> list[str]:
    """Validate every option first, then store them all (one unit of work); returns the keys."""
    if len(options) > MAX_BULK_OPTIONS:
        raise ApiRefused(f"批量操作数量不能超过 {MAX_BULK_OPTIONS}")
    current = await stored(session)
    values: dict[str, str] = {}
    for option in options:
        key = option.key.strip()
        if not is_bulk_key(key):
            raise ApiRefused("该配置项不支持批量保存")
        if not isinstance(option.value, str):
            raise ApiRefused("配置项值必须为字符串")
        validate(key, option.value, current)
        values[key] = option.value
    for key, text in values.items():
        await repository.upsert(session, key, text)
    return list(values)


async def reset_model_ratio(session: AsyncSession) -> None:
    """``POST /api/option/rest_model_ratio``: ModelRatio back to the built-in defaults."""
    await repository.upsert(session, "ModelRatio", jsonx.dumps_str(DEFAULT_MODEL_RATIO))


async def store_flags(session: AsyncSession, flags: dict[str, bool]) -> None:
    """Store boolean options (setup's SelfUseModeEnabled / DemoSiteEnabled)."""
    for key, enabled in flags.items():
        await repository.upsert(session, key, as_text(enabled))
