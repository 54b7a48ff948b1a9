"""Pricing matches new-api's formula and rounding."""

from __future__ import annotations

import pytest

from relaygate.billing.pricing import Usage, price_for, quota_for_usage, reservation_for
from relaygate.errors import Forbidden
from relaygate.kit import jsonx
from relaygate.options.snapshot import OptionsSnapshot


def _options(**stored: object) -> OptionsSnapshot:
    return OptionsSnapshot.build(
        {k: v if isinstance(v, str) else jsonx.dumps_str(v) for k, v in stored.items()}
    )


def test_ratio_one_is_two_dollars_per_million_prompt_tokens() -> None:
    options = _options(ModelRatio={"m": 1}, CompletionRatio={"m": 1})
    price = price_for(options, "m", "default")
    # $2 = 1,000,000 quota units for a million tokens at ratio 1
    assert quota_for_usage(Usage(1_000_000, 0), price) == 1_000_000


def test_completion_group_and_rounding_half_away_from_zero() -> None:
    options = _options(
        ModelRatio={"m": 1.25}, CompletionRatio={"m": 4}, GroupRatio={"vip": 0.5, "default": 1}
    )
    price = price_for(options, "m", "vip")
    # (3 + 5*4) * 1.25 * 0.5 = 14.375 → 14
    assert quota_for_usage(Usage(3, 5), price) == 14
    # (1 + 1*4) * 1.25 * 0.5 = 3.125 → 3; (2 + 2*4)*0.625 = 6.25 → 6; (1+0)*0.625=0.625 → 1
    assert quota_for_usage(Usage(1, 1), price) == 3
    assert quota_for_usage(Usage(1, 0), price) == 1
    # x.5 rounds up: (4 + 0) * 1.25 * 0.5 = 2.5 → 3
    assert quota_for_usage(Usage(4, 0), price) == 3


def test_cache_tokens_use_cache_ratios() -> None:
    options = _options(
        ModelRatio={"m": 2},
        CompletionRatio={"m": 2},
        CacheRatio={"m": 0.1},
        CreateCacheRatio={"m": 1.25},
    )
    price = price_for(options, "m", "default")
    usage = Usage(
        prompt_tokens=1000, completion_tokens=100, cached_tokens=600, cache_write_tokens=200
    )
    # (200 + 600*0.1 + 200*1.25 + 100*2) * 2 = (200+60+250+200)*2 = 1420
    assert quota_for_usage(usage, price) == 1420


def test_fixed_model_price_per_call() -> None:
    options = _options(ModelPrice={"img": 0.04}, GroupRatio={"default": 1.5})
    price = price_for(options, "img", "default")
    assert price.use_price
    # 0.04 $ * 500,000 * 1.5 = 30,000
    assert quota_for_usage(Usage(10, 10), price) == 30_000


def test_zero_tokens_cost_nothing_and_tiny_usage_costs_one() -> None:
    options = _options(ModelRatio={"m": 0.001}, CompletionRatio={"m": 1})
    price = price_for(options, "m", "default")
    assert quota_for_usage(Usage(0, 0), price) == 0
    assert quota_for_usage(Usage(1, 0), price) == 1


def test_unpriced_model_is_refused_unless_self_use() -> None:
    with pytest.raises(Forbidden) as caught:
        price_for(_options(), "no-such-model", "default")
    assert caught.value.error_code == "model_price_error"
    price = price_for(_options(SelfUseModeEnabled="true"), "no-such-model", "default")
    assert price.model_ratio == 37.5


def test_reservation_covers_prompt_and_completion() -> None:
    options = _options(ModelRatio={"m": 1}, CompletionRatio={"m": 2})
    price = price_for(options, "m", "default")
    assert reservation_for(price, 100, 50) == 200
