"""The pricing catalog, as new-api's ``updatePricing`` builds it: pure functions over the
enabled abilities, the model/vendor metadata and the ratio options.

A model is listed when some enabled ability serves it. Its metadata is the exact-name meta row,
else the first prefix, suffix, then contains rule that matches (new-api's order). A meta row with
``status != 1`` hides the model. With a ``ModelPrice`` the model is priced per call
(``quota_type`` 1), otherwise by ratio (``quota_type`` 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from relaygate.catalog.repository import EnabledAbility
from relaygate.catalog.schemas import EndpointInfo, PricingItem, PricingVendor
from relaygate.db.models.model_meta import (
    NAME_RULE_CONTAINS,
    NAME_RULE_EXACT,
    NAME_RULE_PREFIX,
    NAME_RULE_SUFFIX,
    ModelMeta,
)
from relaygate.db.models.vendor import Vendor
from relaygate.kit import jsonx
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.providers.base import ChannelType

UNPRICED_MODEL_RATIO = 37.5
"""What new-api reports (and charges in self-use mode) for a model with no ratio."""

DEFAULT_ENDPOINTS: Mapping[str, EndpointInfo] = {
    "openai": EndpointInfo(path="/v1/chat/completions", method="POST"),
    "openai-response": EndpointInfo(path="/v1/responses", method="POST"),
    "anthropic": EndpointInfo(path="/v1/messages", method="POST"),
    "gemini": EndpointInfo(path="/v1beta/models/{model}:generateContent", method="POST"),
    "jina-rerank": EndpointInfo(path="/v1/rerank", method="POST"),
    "image-generation": EndpointInfo(path="/v1/images/generations", method="POST"),
    "embeddings": EndpointInfo(path="/v1/embeddings", method="POST"),
}

# new-api model/pricing_default.go: a model with no metadata gets the vendor its name suggests
# (relaygate only links to a vendor row that exists; it never creates one on a read).
DEFAULT_VENDOR_RULES: tuple[tuple[str, str], ...] = (
    ("gpt", "OpenAI"),
    ("dall-e", "OpenAI"),
    ("whisper", "OpenAI"),
    ("o1", "OpenAI"),
    ("o3", "OpenAI"),
    ("claude", "Anthropic"),
    ("gemini", "Google"),
    ("moonshot", "Moonshot"),
    ("kimi", "Moonshot"),
    ("chatglm", "智谱"),
    ("glm-", "智谱"),
    ("qwen", "阿里巴巴"),
    ("deepseek", "DeepSeek"),
    ("abab", "MiniMax"),
    ("minimax", "MiniMax"),
    ("ernie", "百度"),
    ("spark", "讯飞"),
    ("hunyuan", "腾讯"),
    ("command", "Cohere"),
    ("@cf/", "Cloudflare"),
    ("360", "360"),
    ("yi", "零一万物"),
    ("jina", "Jina"),
    ("mistral", "Mistral"),
    ("grok", "xAI"),
    ("llama", "Meta"),
    ("doubao", "字节跳动"),
)


def completion_ratio(options: OptionsSnapshot, model: str) -> float:
    """The completion ratio billing uses (the option, else new-api's family defaults)."""
    ratio = options.completion_ratio.get(model)
    if ratio is not None:
        return ratio
    if model.startswith(("gpt-4o", "gpt-4.1", "o1", "o3", "o4")):
        return 4
    if model.startswith("claude"):
        return 5
    return 1


def _is_image_model(model: str) -> bool:
    lowered = model.lower()
    return lowered.startswith("dall-e") or "gpt-image" in lowered or "imagen" in lowered


def endpoint_types(channel_type: int, model: str) -> list[str]:
    """Endpoint types a channel type serves a model on (new-api GetEndpointTypesByChannelType)."""
    if channel_type == ChannelType.JINA:
        types = ["jina-rerank"]
    elif channel_type in (ChannelType.ANTHROPIC, ChannelType.AWS):
        types = ["anthropic", "openai"]
    elif channel_type in (ChannelType.GEMINI, ChannelType.VERTEX_AI):
        types = ["gemini", "openai"]
    elif channel_type == ChannelType.XAI:
        types = ["openai", "openai-response"]
    else:
        types = ["openai"]
    if _is_image_model(model):
        types = ["image-generation", *types]
    return types


def rule_matches(meta: ModelMeta, model: str) -> bool:
    """Whether a meta row's name rule covers ``model``."""
    if meta.name_rule == NAME_RULE_PREFIX:
        return model.startswith(meta.model_name)
    if meta.name_rule == NAME_RULE_SUFFIX:
        return model.endswith(meta.model_name)
    if meta.name_rule == NAME_RULE_CONTAINS:
        return meta.model_name in model
    return meta.model_name == model


def meta_by_model(metas: Iterable[ModelMeta], models: Iterable[str]) -> dict[str, ModelMeta]:
    """model → its meta row: exact first, then prefix, suffix and contains rules in that order."""
    exact: dict[str, ModelMeta] = {}
    rules: dict[int, list[ModelMeta]] = {
        NAME_RULE_PREFIX: [],
        NAME_RULE_SUFFIX: [],
        NAME_RULE_CONTAINS: [],
    }
    for meta in metas:
        if meta.name_rule == NAME_RULE_EXACT:
            exact[meta.model_name] = meta
        elif meta.name_rule in rules:
            rules[meta.name_rule].append(meta)
    chosen = dict(exact)
    names = list(dict.fromkeys(models))
    for rule in (NAME_RULE_PREFIX, NAME_RULE_SUFFIX, NAME_RULE_CONTAINS):
        for meta in rules[rule]:
            for name in names:
                if name not in chosen and rule_matches(meta, name):
                    chosen[name] = meta
    return chosen


def _custom_endpoints(meta: ModelMeta) -> dict[str, Any]:
    if not meta.endpoints.strip():
        return {}
    try:
        parsed = jsonx.loads(meta.endpoints)
    except ValueError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {key: value for key, value in parsed.items() if isinstance(value, str | dict)}


def _endpoint_info(value: str | dict[str, Any]) -> EndpointInfo:
    if isinstance(value, str):
        return EndpointInfo(path=value, method="POST")
    path = value.get("path")
    method = value.get("method")
    return EndpointInfo(
        path=path if isinstance(path, str) else "",
        method=method.upper() if isinstance(method, str) else "POST",
    )


def default_vendor_id(model: str, vendors_by_name: Mapping[str, int]) -> int | None:
    """The id of the existing vendor new-api's name rules suggest for ``model``."""
    lowered = model.lower()
    for pattern, vendor_name in DEFAULT_VENDOR_RULES:
        if pattern in lowered:
            return vendors_by_name.get(vendor_name)
    return None


@dataclass(slots=True)
class Catalog:
    """What ``GET /api/pricing`` serves before filtering by the caller's groups."""

    items: list[PricingItem] = field(default_factory=list)
    vendors: list[PricingVendor] = field(default_factory=list)
    supported_endpoint: dict[str, EndpointInfo] = field(default_factory=dict)

    def groups_of(self, model: str) -> list[str]:
        """The enabled groups of one model (empty when not listed)."""
        for item in self.items:
            if item.model_name == model:
                return item.enable_groups
        return []

    def quota_types_of(self, model: str) -> list[int]:
        """``[quota_type]`` of one listed model, else empty."""
        return [item.quota_type for item in self.items if item.model_name == model]

    def endpoints_of(self, model: str) -> list[str]:
        """Supported endpoint types of one listed model."""
        for item in self.items:
            if item.model_name == model:
                return item.supported_endpoint_types
        return []


def build_catalog(
    abilities: Sequence[EnabledAbility],
    metas: Sequence[ModelMeta],
    vendors: Sequence[Vendor],
    options: OptionsSnapshot,
) -> Catalog:
    """Every model some enabled ability serves, priced and described."""
    groups: dict[str, list[str]] = {}
    endpoints: dict[str, list[str]] = {}
    for ability in abilities:
        model_groups = groups.setdefault(ability.model, [])
        if ability.group not in model_groups:
            model_groups.append(ability.group)
        model_endpoints = endpoints.setdefault(ability.model, [])
        for endpoint in endpoint_types(ability.channel_type, ability.model):
            if endpoint not in model_endpoints:
                model_endpoints.append(endpoint)
    metas_by_model = meta_by_model(metas, groups)
    vendors_by_name = {vendor.name: vendor.id for vendor in vendors}

    supported: dict[str, EndpointInfo] = {}
    for model, described in metas_by_model.items():
        custom = _custom_endpoints(described)
        if custom and model in endpoints:
            endpoints[model] = list(custom)
    for model_endpoints in endpoints.values():
        for endpoint in model_endpoints:
            if endpoint in DEFAULT_ENDPOINTS and endpoint not in supported:
                supported[endpoint] = DEFAULT_ENDPOINTS[endpoint]
    for described in metas_by_model.values():
        for endpoint, value in _custom_endpoints(described).items():
            supported[endpoint] = _endpoint_info(value)

    items: list[PricingItem] = []
    for model in sorted(groups):
        meta = metas_by_model.get(model)
        if meta is not None and meta.status != 1:
            continue
        price = options.model_price.get(model)
        ratio = options.model_ratio.get(model)
        vendor_id = (
            meta.vendor_id if meta is not None else default_vendor_id(model, vendors_by_name)
        )
        items.append(
            PricingItem(
                model_name=model,
                description=(meta.description or None) if meta else None,
                icon=(meta.icon or None) if meta else None,
                tags=(meta.tags or None) if meta else None,
                vendor_id=vendor_id or None,
                quota_type=1 if price is not None else 0,
                model_price=price if price is not None else 0.0,
                model_ratio=0.0
                if price is not None
                else (ratio if ratio is not None else UNPRICED_MODEL_RATIO),
                completion_ratio=0.0 if price is not None else completion_ratio(options, model),
                cache_ratio=options.cache_ratio.get(model),
                create_cache_ratio=options.create_cache_ratio.get(model),
                enable_groups=sorted(groups[model]),
                supported_endpoint_types=endpoints.get(model, []),
            )
        )
    vendor_list = [
        PricingVendor(
            id=vendor.id,
            name=vendor.name,
            description=vendor.description or None,
            icon=vendor.icon or None,
        )
        for vendor in vendors
    ]
    return Catalog(items=items, vendors=vendor_list, supported_endpoint=supported)


def for_groups(catalog: Catalog, usable: Mapping[str, str]) -> list[PricingItem]:
    """Models the usable groups may call, each with only those groups (new-api
    filterPricingByUsableGroups); ``"all"`` in a model's groups means every usable group."""
    if not usable:
        return []
    names = sorted(group for group in usable if group)
    listed: list[PricingItem] = []
    for item in catalog.items:
        if "all" in item.enable_groups:
            allowed = list(names)
        else:
            allowed = [group for group in item.enable_groups if group and group in usable]
        if allowed:
            listed.append(item.model_copy(update={"enable_groups": allowed}))
    return listed
