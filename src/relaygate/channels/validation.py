"""Checks on a channel's JSON-text fields before they are stored; the relay applies them.

new-api unmarshals ``setting`` into ``dto.ChannelSettings`` and ``settings`` into
``dto.ChannelOtherSettings``, so a value of the wrong JSON type is an error there; the same
field types are enforced here. Unknown keys are kept (new-api ignores them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from relaygate.errors import ApiRefused
from relaygate.kit import jsonx

MODEL_NAME_MAX = 255

# dto.ChannelSettings: the per-channel behaviour switches, including the system prompt.
_SETTING_TYPES: Final[Mapping[str, type | tuple[type, ...]]] = {
    "force_format": bool,
    "thinking_to_content": bool,
    "proxy": str,
    "return_source_url": bool,
    "pass_through_body_enabled": bool,
    "system_prompt": str,
    "system_prompt_override": bool,
}
# dto.ChannelOtherSettings: vendor options that need no index.
_OTHER_SETTING_TYPES: Final[Mapping[str, type | tuple[type, ...]]] = {
    "azure_responses_version": str,
    "vertex_key_type": str,
    "openrouter_enterprise": bool,
    "claude_beta_query": bool,
    "allow_service_tier": bool,
    "allow_inference_geo": bool,
    "allow_speed": bool,
    "allow_safety_identifier": bool,
    "disable_store": bool,
    "allow_include_obfuscation": bool,
    "aws_key_type": str,
    "upstream_model_update_check_enabled": bool,
    "upstream_model_update_auto_sync_enabled": bool,
    "upstream_model_update_last_check_time": int,
    "upstream_model_update_last_detected_models": list,
    "upstream_model_update_last_removed_models": list,
    "upstream_model_update_ignored_models": list,
}
_ALLOWED_VALUES: Final[Mapping[str, frozenset[str]]] = {
    "vertex_key_type": frozenset({"", "json", "api_key"}),
    "aws_key_type": frozenset({"", "ak_sk", "api_key"}),
}


def _parse(field: str, raw: str, label: str) -> Any:
    try:
        return jsonx.loads(raw)
    except ValueError:
        named = f"{label} ({field})" if label else field
        raise ApiRefused(f"{named} 必须是合法的 JSON 格式") from None


def json_object(field: str, raw: str | None, label: str = "") -> dict[str, Any] | None:
    """The parsed object in ``raw``; None when blank; refuses anything but a JSON object."""
    if raw is None or not raw.strip():
        return None
    value = _parse(field, raw, label)
    if not isinstance(value, dict):
        raise ApiRefused(f'{field} must be a JSON object, e.g. {{"gpt-4o": "gpt-4o-2024-11-20"}}')
    return value


def _typed(field: str, value: dict[str, Any], types: Mapping[str, type | tuple[type, ...]]) -> None:
    for name, expected in types.items():
        if name not in value or value[name] is None:
            continue
        item = value[name]
        wrong = not isinstance(item, expected) or (expected is int and isinstance(item, bool))
        if wrong:
            raise ApiRefused(f"渠道额外设置[{field}] 格式错误：{name} 类型不正确")
        allowed = _ALLOWED_VALUES.get(name)
        if allowed is not None and item not in allowed:
            raise ApiRefused(f"渠道额外设置[{field}] 格式错误：{name} 取值无效")


def _string_map(field: str, value: dict[str, Any]) -> None:
    if not all(isinstance(v, str) for v in value.values()):
        raise ApiRefused(f"{field} must map strings to strings")


def _status_code_mapping(value: dict[str, Any]) -> None:
    _string_map("status_code_mapping", value)
    for source, target in value.items():
        if not (source.isdigit() and len(source) == 3 and target.isdigit() and len(target) == 3):
            raise ApiRefused(
                f'status_code_mapping maps HTTP status codes, e.g. {{"400": "500"}}: {source}'
            )


def _header_override(value: dict[str, Any]) -> None:
    for name, header in value.items():
        if not name.strip() or not isinstance(header, str):
            raise ApiRefused("请求头覆盖必须是合法的 JSON 格式，值为字符串")


def validate_fields(values: Mapping[str, Any]) -> None:
    """Refuse malformed JSON fields, model names, status and weight in a create or update."""
    mapping = json_object("model_mapping", values.get("model_mapping"))
    if mapping is not None:
        _string_map("model_mapping", mapping)
    codes = json_object("status_code_mapping", values.get("status_code_mapping"))
    if codes is not None:
        _status_code_mapping(codes)
    json_object("param_override", values.get("param_override"), "参数覆盖")
    headers = json_object("header_override", values.get("header_override"), "请求头覆盖")
    if headers is not None:
        _header_override(headers)
    setting = json_object("setting", values.get("setting"), "渠道额外设置")
    if setting is not None:
        _typed("setting", setting, _SETTING_TYPES)
    other = json_object("settings", values.get("settings"), "渠道额外设置")
    if other is not None:
        _typed("settings", other, _OTHER_SETTING_TYPES)
    for model in (values.get("models") or "").split(","):
        if len(model.strip()) > MODEL_NAME_MAX:
            raise ApiRefused(f"模型名称过长: {model.strip()}")
    weight = values.get("weight")
    if weight is not None and weight < 0:
        raise ApiRefused("weight must not be negative")
