"""Ratio sync (new-api controller/ratio_sync.go): ask other instances for their prices and list
where they differ from ours.

Each upstream answers ``/api/ratio_config`` (maps per field) or ``/api/pricing`` (a list, turned
into the same maps); OpenRouter's ``/v1/models`` and models.dev's ``/api.json`` are converted.
Fetches run concurrently (at most eight at once) over ``providers.transport``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from relaygate.catalog.schemas import (
    DifferenceItem,
    RatioSyncResult,
    SyncTestResult,
    UpstreamSource,
)
from relaygate.errors import RelayGateError
from relaygate.kit import jsonx
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.providers.base import UpstreamRequest
from relaygate.providers.transport import Transport

DEFAULT_TIMEOUT_SECONDS = 10
DEFAULT_ENDPOINT = "/api/pricing"
MAX_CONCURRENT_FETCHES = 8
MAX_BODY_BYTES = 10 << 20
FETCH_ATTEMPTS = 3
EPSILON = 1e-9
USD_RATIO = 500.0
"""One ratio unit is $0.002 per 1K tokens: $1 per 1K tokens is ratio 500."""

SYNC_FIELDS = (
    "model_ratio",
    "completion_ratio",
    "cache_ratio",
    "create_cache_ratio",
    "image_ratio",
    "audio_ratio",
    "audio_completion_ratio",
    "model_price",
)
OFFICIAL_PRESET = (-100, "官方倍率预设", "https://basellm.github.io")
MODELS_DEV_PRESET = (-101, "models.dev 价格预设", "https://models.dev")
SAME = "same"


@dataclass(frozen=True, slots=True)
class Fetched:
    """One upstream's answer: its ratio maps, or why there are none."""

    name: str
    data: dict[str, dict[str, Any]] | None = None
    error: str = ""


def local_data(options: OptionsSnapshot) -> dict[str, dict[str, Any]]:
    """Our own maps, as ``/api/ratio_config`` exposes them."""
    data: dict[str, dict[str, Any]] = {
        "model_ratio": dict(options.model_ratio),
        "completion_ratio": dict(options.completion_ratio),
        "cache_ratio": dict(options.cache_ratio),
        "create_cache_ratio": dict(options.create_cache_ratio),
        "model_price": dict(options.model_price),
    }
    for field, key in (
        ("image_ratio", "ImageRatio"),
        ("audio_ratio", "AudioRatio"),
        ("audio_completion_ratio", "AudioCompletionRatio"),
    ):
        parsed = options.json_value(key)
        data[field] = dict(parsed) if isinstance(parsed, dict) else {}
    return data


def exposed_ratio_config(options: OptionsSnapshot) -> dict[str, Any]:
    """``GET /api/ratio_config``'s data (new-api GetPublicExposedData)."""
    return {
        "model_ratio": dict(options.model_ratio),
        "group_ratio": dict(options.group_ratio),
        "completion_ratio": dict(options.completion_ratio),
        "cache_ratio": dict(options.cache_ratio),
        "create_cache_ratio": dict(options.create_cache_ratio),
        "model_price": dict(options.model_price),
    }


# --------------------------------------------------------------------------- converting


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _rounded(value: float) -> float:
    return round(value * 1e6) / 1e6


def _maps(raw: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        field: dict(raw[field])
        for field in SYNC_FIELDS
        if isinstance(raw.get(field), dict) and raw[field]
    }


def from_pricing_list(items: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """An ``/api/pricing`` list turned into ratio maps (new-api's "type2")."""
    maps: dict[str, dict[str, Any]] = {field: {} for field in SYNC_FIELDS}
    for item in items:
        if not isinstance(item, dict):
            continue
        name = item.get("model_name")
        if not isinstance(name, str) or not name:
            continue
        if item.get("quota_type") == 1:
            maps["model_price"][name] = _number(item.get("model_price")) or 0.0
        else:
            maps["model_ratio"][name] = _number(item.get("model_ratio")) or 0.0
            maps["completion_ratio"][name] = _number(item.get("completion_ratio")) or 0.0
        for field in SYNC_FIELDS[2:7]:
            value = _number(item.get(field))
            if value is not None:
                maps[field][name] = value
    return {field: values for field, values in maps.items() if values}


def from_openrouter(body: Any) -> dict[str, dict[str, Any]]:
    """OpenRouter ``/v1/models`` per-token USD prices turned into ratios."""
    model_ratio: dict[str, Any] = {}
    completion: dict[str, Any] = {}
    cache: dict[str, Any] = {}
    entries = body.get("data") if isinstance(body, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        raw_pricing = entry.get("pricing")
        pricing: dict[str, Any] = raw_pricing if isinstance(raw_pricing, dict) else {}
        prompt, output = (
            _parse_price(pricing.get("prompt")),
            _parse_price(pricing.get("completion")),
        )
        if prompt is None and output is None:
            continue
        prompt, output = prompt or 0.0, output or 0.0
        if prompt < 0 or output < 0:
            continue
        name = entry["id"]
        if prompt == 0 and output == 0:
            model_ratio[name] = 0.0
            continue
        if prompt <= 0:
            continue
        model_ratio[name] = _rounded(prompt * 1000 * USD_RATIO)
        completion[name] = _rounded(output / prompt)
        cached = _parse_price(pricing.get("input_cache_read"))
        if cached is not None and cached >= 0:
            cache[name] = _rounded(cached / prompt)
    return _maps({"model_ratio": model_ratio, "completion_ratio": completion, "cache_ratio": cache})


def _parse_price(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def from_models_dev(body: Any) -> dict[str, dict[str, Any]]:
    """models.dev ``/api.json`` (USD per 1M tokens per provider): the cheapest non-zero input
    price wins when several providers list a model."""
    if not isinstance(body, dict) or not body:
        raise ValueError("empty models.dev response")
    chosen: dict[str, tuple[str, float, float | None, float | None]] = {}
    for provider in sorted(body):
        provider_data = body[provider]
        models = provider_data.get("models") if isinstance(provider_data, dict) else None
        if not isinstance(models, dict):
            continue
        for name in sorted(models):
            model_data = models[name]
            cost = model_data.get("cost") if isinstance(model_data, dict) else None
            if not isinstance(cost, dict):
                continue
            price_in, price_out = _number(cost.get("input")), _number(cost.get("output"))
            if price_in is None or price_in < 0:
                continue
            if cost.get("output") is not None and (price_out is None or price_out < 0):
                continue
            if price_in == 0 and price_out:
                continue
            cached = _number(cost.get("cache_read"))
            candidate = (provider, price_in, price_out, cached if cached and cached >= 0 else None)
            current = chosen.get(name)
            if current is None or _better(current, candidate):
                chosen[name] = candidate
    if not chosen:
        raise ValueError("no valid models.dev pricing entries found")
    model_ratio: dict[str, Any] = {}
    completion: dict[str, Any] = {}
    cache: dict[str, Any] = {}
    for name, (_, price_in, price_out, cached) in chosen.items():
        if price_in == 0:
            model_ratio[name] = 0.0
            continue
        model_ratio[name] = _rounded(price_in * USD_RATIO / 1000)
        if price_out is not None:
            completion[name] = _rounded(price_out / price_in)
        if cached is not None:
            cache[name] = _rounded(cached / price_in)
    return _maps({"model_ratio": model_ratio, "completion_ratio": completion, "cache_ratio": cache})


def _better(
    current: tuple[str, float, float | None, float | None],
    candidate: tuple[str, float, float | None, float | None],
) -> bool:
    if (current[1] > 0) != (candidate[1] > 0):
        return candidate[1] > 0
    if candidate[1] > 0 and abs(candidate[1] - current[1]) >= EPSILON:
        return candidate[1] < current[1]
    return candidate[0] < current[0]


def parse_body(url: str, openrouter: bool, body: bytes) -> dict[str, dict[str, Any]]:
    """Ratio maps from an upstream body; raises ValueError when it is not understood."""
    parsed = jsonx.loads(body)
    if openrouter:
        return from_openrouter(parsed)
    parts = urlsplit(url)
    if (parts.hostname or "").lower() == "models.dev" and parts.path.rstrip("/") == "/api.json":
        return from_models_dev(parsed)
    if not isinstance(parsed, dict):
        raise ValueError("无法解析上游返回数据")
    if not parsed.get("success"):
        raise ValueError(str(parsed.get("message") or "upstream answered success=false"))
    data = parsed.get("data")
    if isinstance(data, dict) and any(field in data for field in SYNC_FIELDS):
        return _maps(data)
    if isinstance(data, list):
        return from_pricing_list(data)
    raise ValueError("无法解析上游返回数据")


# ------------------------------------------------------------------------------ fetching


def upstream_url(source: UpstreamSource) -> tuple[str, bool]:
    """The URL to ask and whether it is OpenRouter's model list."""
    if source.endpoint == "openrouter":
        return source.base_url + "/v1/models", True
    endpoint = source.endpoint
    if endpoint.startswith(("http://", "https://")):
        return endpoint, False
    if not endpoint:
        endpoint = DEFAULT_ENDPOINT
    elif not endpoint.startswith("/"):
        endpoint = "/" + endpoint
    return source.base_url + endpoint, False


def display_name(source: UpstreamSource) -> str:
    """``name(id)`` for a channel, the bare name otherwise (new-api's uniqueName)."""
    return f"{source.name}({source.id})" if source.id else source.name


async def _fetch_one(
    transport: Transport,
    source: UpstreamSource,
    seconds: float,
    keys: Mapping[int, str],
) -> Fetched:
    name = display_name(source)
    url, openrouter = upstream_url(source)
    headers: dict[str, str] = {"Accept": "application/json"}
    if openrouter:
        key = keys.get(source.id, "").strip()
        if not source.id:
            return Fetched(name, error="OpenRouter requires a valid channel with API key")
        if not key:
            return Fetched(name, error="no API key configured for this channel")
        headers["Authorization"] = f"Bearer {key}"
    last_error = ""
    for attempt in range(FETCH_ATTEMPTS):
        try:
            async with asyncio.timeout(seconds):
                response = await transport.send(
                    UpstreamRequest("GET", url, headers, b""),
                    channel_id=source.id,
                    first_byte_timeout=seconds,
                    idle_timeout=seconds,
                )
                body = await response.read()
        except (RelayGateError, TimeoutError) as exc:
            last_error = getattr(exc, "message", "") or "timeout"
            if attempt + 1 < FETCH_ATTEMPTS:
                await asyncio.sleep(0.2 * (1 << attempt))
            continue
        if response.status != 200:
            return Fetched(name, error=f"{response.status}")
        if len(body) > MAX_BODY_BYTES:
            return Fetched(name, error="response too large")
        try:
            return Fetched(name, data=parse_body(url, openrouter, body))
        except ValueError as exc:
            return Fetched(name, error=str(exc) or "无法解析上游返回数据")
    return Fetched(name, error=last_error)


async def fetch_all(
    sources: Sequence[UpstreamSource], seconds: float, keys: Mapping[int, str]
) -> list[Fetched]:
    """Ask every source concurrently (at most eight at once), in the given order."""
    transport = Transport(connect_timeout=min(seconds, 10.0))
    await transport.start()
    gate = asyncio.Semaphore(MAX_CONCURRENT_FETCHES)

    async def bounded(source: UpstreamSource) -> Fetched:
        async with gate:
            return await _fetch_one(transport, source, seconds, keys)

    try:
        return list(await asyncio.gather(*(bounded(source) for source in sources)))
    finally:
        await transport.close()


# ---------------------------------------------------------------------------- comparing


def _equal(a: Any, b: Any) -> bool:
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return abs(x - y) < EPSILON
    return bool(a == b)


def _normalized(field: str, value: Any) -> Any:
    number = _number(value)
    return number if number is not None else value


def differences(
    local: Mapping[str, Mapping[str, Any]], upstreams: Sequence[Fetched]
) -> dict[str, dict[str, DifferenceItem]]:
    """new-api's ``buildDifferences``: per model and field, our value against each upstream's,
    keeping only entries where some upstream differs. An upstream reporting the unpriced default
    (ratio 37.5 with completion 1) for a model is marked not confident."""
    good = [fetched for fetched in upstreams if fetched.data is not None]
    models: set[str] = set()
    for source in (local, *(fetched.data or {} for fetched in good)):
        for field in SYNC_FIELDS:
            models.update(source.get(field, {}))

    def confident(fetched: Fetched, model: str) -> bool:
        data = fetched.data or {}
        ratio = data.get("model_ratio", {}).get(model)
        completion = data.get("completion_ratio", {}).get(model)
        return not (_equal(ratio, 37.5) and _equal(completion, 1.0))

    found: dict[str, dict[str, DifferenceItem]] = {}
    for model in sorted(models):
        for field in SYNC_FIELDS:
            local_map = local.get(field, {})
            current = _normalized(field, local_map[model]) if model in local_map else None
            values: dict[str, Any] = {}
            confidence: dict[str, bool] = {}
            differs = False
            seen_upstream = False
            for fetched in good:
                upstream_map = (fetched.data or {}).get(field, {})
                value: Any = None
                if model in upstream_map:
                    value = _normalized(field, upstream_map[model])
                    seen_upstream = True
                    if current is not None and not _equal(current, value):
                        differs = True
                    elif current is not None:
                        value = SAME
                    elif current is None:
                        differs = True
                if value is None and current is None:
                    value = SAME
                values[fetched.name] = value
                confidence[fetched.name] = confident(fetched, model)
            if (current is not None and differs) or (current is None and seen_upstream):
                found.setdefault(model, {})[field] = DifferenceItem(
                    current=current, upstreams=values, confidence=confidence
                )

    with_changes = {
        name
        for fields in found.values()
        for item in fields.values()
        for name, value in item.upstreams.items()
        if value is not None and value != SAME
    }
    pruned: dict[str, dict[str, DifferenceItem]] = {}
    for model, fields in found.items():
        for field, item in fields.items():
            upstream_values = {k: v for k, v in item.upstreams.items() if k in with_changes}
            if not upstream_values or all(v == SAME for v in upstream_values.values()):
                continue
            pruned.setdefault(model, {})[field] = DifferenceItem(
                current=item.current,
                upstreams=upstream_values,
                confidence={k: v for k, v in item.confidence.items() if k in with_changes},
            )
    return pruned


def result(local: Mapping[str, Mapping[str, Any]], fetched: Sequence[Fetched]) -> RatioSyncResult:
    """The body of ``POST /api/ratio_sync/fetch``."""
    tests = [
        SyncTestResult(name=f.name, status="error", error=f.error)
        if f.data is None
        else SyncTestResult(name=f.name, status="success")
        for f in fetched
    ]
    return RatioSyncResult(differences=differences(local, fetched), test_results=tests)
