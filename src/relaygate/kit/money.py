"""Quota arithmetic in Decimal with new-api's rounding (half away from zero)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

QUOTA_PER_UNIT = Decimal(500_000)
"""Quota units per 1 $ (or 1 ¥), new-api's ``QuotaPerUnit``."""


def to_decimal(value: float | int | str | Decimal) -> Decimal:
    """Decimal from a float the way shopspring's NewFromFloat does (shortest repr)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def round_quota(value: Decimal) -> int:
    """Round to an integer quota, half away from zero (shopspring ``Round(0)``)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def quota_to_dollars(quota: int) -> float:
    """Quota units as a $ amount."""
    return float(Decimal(quota) / QUOTA_PER_UNIT)
