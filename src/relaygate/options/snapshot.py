"""An immutable, parsed view of the options table, rebuilt whenever an option changes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from relaygate.kit import jsonx
from relaygate.options.defaults import DEFAULT_CACHE_CREATION_RATIO, DEFAULT_OPTIONS

log = logging.getLogger(__name__)


def _ratio_map(raw: str, key: str) -> Mapping[str, float]:
    if not raw.strip():
        return MappingProxyType({})
    try:
        value = jsonx.loads(raw)
    except ValueError:
        log.warning("option %s is not valid JSON; ignored", key)
        return MappingProxyType({})
    if not isinstance(value, dict):
        return MappingProxyType({})
    return MappingProxyType(
        {str(k): float(v) for k, v in value.items() if isinstance(v, int | float)}
    )


def _bool(raw: str) -> bool:
    return raw.strip().lower() == "true"


def _int(raw: str, default: int) -> int:
    try:
        return int(float(raw))
    except ValueError:
        return default


@dataclass(frozen=True, slots=True)
class OptionsSnapshot:
    """Options as text (``raw``) plus the parsed values the hot path reads."""

    raw: Mapping[str, str]
    model_ratio: Mapping[str, float] = field(default_factory=dict)
    completion_ratio: Mapping[str, float] = field(default_factory=dict)
    cache_ratio: Mapping[str, float] = field(default_factory=dict)
    create_cache_ratio: Mapping[str, float] = field(default_factory=dict)
    model_price: Mapping[str, float] = field(default_factory=dict)
    group_ratio: Mapping[str, float] = field(default_factory=dict)
    retry_times: int = 0
    auto_disable: bool = False
    auto_enable: bool = False
    log_consume: bool = True
    completion_reserve_tokens: int = 1024
    self_use_mode: bool = False

    @classmethod
    def build(cls, stored: Mapping[str, str]) -> OptionsSnapshot:
        """Defaults overlaid with what is stored."""
        raw = {**DEFAULT_OPTIONS, **stored}
        return cls(
            raw=MappingProxyType(raw),
            model_ratio=_ratio_map(raw["ModelRatio"], "ModelRatio"),
            completion_ratio=_ratio_map(raw["CompletionRatio"], "CompletionRatio"),
            cache_ratio=_ratio_map(raw["CacheRatio"], "CacheRatio"),
            create_cache_ratio=_ratio_map(raw["CreateCacheRatio"], "CreateCacheRatio"),
            model_price=_ratio_map(raw["ModelPrice"], "ModelPrice"),
            group_ratio=_ratio_map(raw["GroupRatio"], "GroupRatio"),
            retry_times=max(0, _int(raw["RetryTimes"], 0)),
            auto_disable=_bool(raw["AutomaticDisableChannelEnabled"]),
            auto_enable=_bool(raw["AutomaticEnableChannelEnabled"]),
            log_consume=_bool(raw["LogConsumeEnabled"]),
            completion_reserve_tokens=max(0, _int(raw["DefaultCompletionReserveTokens"], 1024)),
            self_use_mode=_bool(raw["SelfUseModeEnabled"]),
        )

    def get(self, key: str, default: str = "") -> str:
        """An option's text value."""
        return self.raw.get(key, default)

    def cache_creation_ratio(self, model: str) -> float:
        """Cache-write ratio for a model (Claude's 1.25 unless set)."""
        return self.create_cache_ratio.get(model, DEFAULT_CACHE_CREATION_RATIO)

    def json_value(self, key: str) -> Any:
        """An option parsed as JSON, or None."""
        try:
            return jsonx.loads(self.raw.get(key, ""))
        except ValueError:
            return None
