"""Pure pricing, exactly as new-api computes it (service/text_quota.go).

quota = (uncached prompt + cached × cache_ratio + cache_write × cache_creation_ratio
         + completion × completion_ratio) × model_ratio × group_ratio, rounded half away from zero;
or, with a fixed ``ModelPrice``: price × 500,000 × group_ratio per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from relaygate.errors import Forbidden
from relaygate.kit.money import QUOTA_PER_UNIT, round_quota, to_decimal
from relaygate.options.snapshot import OptionsSnapshot


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one call (OpenAI semantics: prompt includes cached and cache-write tokens)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Price:
    """Every ratio that prices one model for one group."""

    model: str
    model_ratio: float
    completion_ratio: float
    cache_ratio: float
    cache_creation_ratio: float
    group_ratio: float
    model_price: float
    use_price: bool

    def as_log(self) -> dict[str, float | bool]:
        """The ratios as new-api writes them into a log row's ``other``."""
        return {
            "model_ratio": self.model_ratio,
            "completion_ratio": self.completion_ratio,
            "cache_ratio": self.cache_ratio,
            "cache_creation_ratio": self.cache_creation_ratio,
            "group_ratio": self.group_ratio,
            "model_price": self.model_price if self.use_price else -1,
        }


def _completion_ratio(options: OptionsSnapshot, model: str) -> float:
    ratio = options.completion_ratio.get(model)
    if ratio is not None:
        return ratio
    # new-api's fallbacks for families with no explicit entry
    if model.startswith(("gpt-4o", "gpt-4.1", "o1", "o3", "o4")):
        return 4
    if model.startswith("claude"):
        return 5
    return 1


def price_for(options: OptionsSnapshot, model: str, group: str) -> Price:
    """The price of ``model`` for ``group``; refuses a model that has neither ratio nor price."""
    group_ratio = options.group_ratio.get(group, 1.0)
    fixed = options.model_price.get(model)
    model_ratio = options.model_ratio.get(model)
    if fixed is None and model_ratio is None:
        if not options.self_use_mode:
            raise Forbidden(
                f"模型 {model} 倍率或价格未配置，请联系管理员设置 (model {model} has no price set)",
                code="model_price_error",
            )
        model_ratio = 37.5  # new-api's self-use default for unpriced models
    return Price(
        model=model,
        model_ratio=model_ratio or 0.0,
        completion_ratio=_completion_ratio(options, model),
        cache_ratio=options.cache_ratio.get(model, 1.0),
        cache_creation_ratio=options.cache_creation_ratio(model),
        group_ratio=group_ratio,
        model_price=fixed or 0.0,
        use_price=fixed is not None,
    )


def quota_for_usage(usage: Usage, price: Price) -> int:
    """Quota for a finished call with known usage."""
    group = to_decimal(price.group_ratio)
    if price.use_price:
        return round_quota(to_decimal(price.model_price) * QUOTA_PER_UNIT * group)
    if usage.total_tokens == 0:
        return 0
    ratio = to_decimal(price.model_ratio) * group
    base = Decimal(usage.prompt_tokens - usage.cached_tokens - usage.cache_write_tokens)
    base = max(base, Decimal(0))
    prompt = (
        base
        + Decimal(usage.cached_tokens) * to_decimal(price.cache_ratio)
        + Decimal(usage.cache_write_tokens) * to_decimal(price.cache_creation_ratio)
    )
    completion = Decimal(usage.completion_tokens) * to_decimal(price.completion_ratio)
    quota = round_quota((prompt + completion) * ratio)
    if ratio != 0 and quota <= 0:
        return 1
    return quota


def reservation_for(price: Price, prompt_tokens: int, completion_tokens: int) -> int:
    """The pre-charge: the estimated prompt plus the completion the call may produce."""
    return quota_for_usage(Usage(prompt_tokens, completion_tokens), price)


DALLE_SIZE_RATIOS: dict[str, dict[str, float]] = {
    "dall-e-2": {"256x256": 1, "512x512": 1.125, "1024x1024": 1.25},
    "dall-e-3": {"1024x1024": 1, "1024x1792": 2, "1792x1024": 2},
}
"""new-api's size multipliers per image model (constant/dalle.go)."""


def image_quota(price: Price, *, size: str, quality: str, count: int) -> int:
    """Quota for ``count`` images: the per-image price (``ModelPrice``, or ratio × 1000 units
    as new-api does without one) × size multiplier × 2 for dall-e-3 HD (1.5 above 1024²)."""
    multiplier = Decimal(str(DALLE_SIZE_RATIOS.get(price.model, {}).get(size, 1)))
    if quality == "hd" and price.model == "dall-e-3":
        multiplier *= Decimal(2) if size in ("", "1024x1024") else Decimal("1.5")
    group = to_decimal(price.group_ratio)
    if price.use_price:
        each = to_decimal(price.model_price) * QUOTA_PER_UNIT
    else:
        each = to_decimal(price.model_ratio) * 1000
    return round_quota(each * multiplier * group * max(1, count))


def per_second_quota(price: Price, seconds: float) -> int:
    """Quota for audio of ``seconds``: ``ModelPrice`` is $ per minute (whisper-1: 0.006);
    without one, 1,000 units × model ratio per minute (the image rule's scale)."""
    group = to_decimal(price.group_ratio)
    minutes = Decimal(str(max(seconds, 0.0))) / 60
    if price.use_price:
        return max(1, round_quota(to_decimal(price.model_price) * QUOTA_PER_UNIT * minutes * group))
    return max(1, round_quota(to_decimal(price.model_ratio) * 1000 * minutes * group))
