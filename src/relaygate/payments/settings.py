"""Payment options parsed from the options snapshot (new-api's option keys and defaults)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from relaygate.kit import jsonx
from relaygate.kit.money import QUOTA_PER_UNIT
from relaygate.options.snapshot import OptionsSnapshot


def _decimal(raw: str, default: str) -> Decimal:
    try:
        value = Decimal(raw.strip() or default)
    except InvalidOperation:
        return Decimal(default)
    return value if value.is_finite() else Decimal(default)


def _int(raw: str, default: int) -> int:
    try:
        return int(float(raw))
    except ValueError:
        return default


def _json(raw: str, default: Any) -> Any:
    try:
        return jsonx.loads(raw) if raw.strip() else default
    except ValueError:
        return default


@dataclass(frozen=True, slots=True)
class PaymentSettings:
    """What the payment routes read, taken from one options snapshot."""

    quota_per_unit: Decimal
    tokens_display: bool
    server_address: str
    callback_address: str
    pay_address: str
    epay_id: str
    epay_key: str
    price: Decimal
    min_topup: int
    pay_methods: list[dict[str, str]]
    amount_options: list[int]
    amount_discount: dict[str, float]
    stripe_api_secret: str
    stripe_webhook_secret: str
    stripe_price_id: str
    stripe_unit_price: Decimal
    stripe_min_topup: int
    stripe_promotion_codes: bool
    creem_api_key: str
    creem_products_raw: str
    creem_test_mode: bool
    creem_webhook_secret: str
    topup_link: str = ""
    creem_products: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, options: OptionsSnapshot) -> PaymentSettings:
        """Parse the payment options; malformed values fall back to new-api's defaults."""
        server = options.get("ServerAddress").strip().rstrip("/")
        custom = options.get("CustomCallbackAddress").strip().rstrip("/")
        methods = _json(options.get("PayMethods"), [])
        products = _json(options.get("CreemProducts"), [])
        amounts = _json(options.get("payment_setting.amount_options"), [])
        discount = _json(options.get("payment_setting.amount_discount"), {})
        per_unit = _decimal(options.get("QuotaPerUnit"), "500000")
        return cls(
            quota_per_unit=per_unit if per_unit > 0 else QUOTA_PER_UNIT,
            tokens_display=options.get("QuotaDisplayType", "USD").upper() == "TOKENS",
            server_address=server,
            callback_address=custom or server,
            pay_address=options.get("PayAddress").strip().rstrip("/"),
            epay_id=options.get("EpayId").strip(),
            epay_key=options.get("EpayKey").strip(),
            price=_decimal(options.get("Price"), "7.3"),
            min_topup=_int(options.get("MinTopUp"), 1),
            pay_methods=[
                {str(k): str(v) for k, v in m.items()}
                for m in (methods if isinstance(methods, list) else [])
                if isinstance(m, dict)
            ],
            amount_options=[
                int(a) for a in (amounts if isinstance(amounts, list) else []) if isinstance(a, int)
            ],
            amount_discount={
                str(k): float(v)
                for k, v in (discount if isinstance(discount, dict) else {}).items()
                if isinstance(v, int | float)
            },
            stripe_api_secret=options.get("StripeApiSecret").strip(),
            stripe_webhook_secret=options.get("StripeWebhookSecret").strip(),
            stripe_price_id=options.get("StripePriceId").strip(),
            stripe_unit_price=_decimal(options.get("StripeUnitPrice"), "8.0"),
            stripe_min_topup=_int(options.get("StripeMinTopUp"), 1),
            stripe_promotion_codes=options.get("StripePromotionCodesEnabled") == "true",
            creem_api_key=options.get("CreemApiKey").strip(),
            creem_products_raw=options.get("CreemProducts", "[]"),
            creem_test_mode=options.get("CreemTestMode") == "true",
            creem_webhook_secret=options.get("CreemWebhookSecret").strip(),
            topup_link=options.get("TopUpLink"),
            creem_products=[
                p for p in (products if isinstance(products, list) else []) if isinstance(p, dict)
            ],
        )

    @property
    def epay_enabled(self) -> bool:
        """Gateway address, merchant id and key set, and at least one method offered."""
        return bool(self.pay_address and self.epay_id and self.epay_key and self.pay_methods)

    @property
    def stripe_enabled(self) -> bool:
        """Secret key, webhook secret and price id all set."""
        return bool(self.stripe_api_secret and self.stripe_webhook_secret and self.stripe_price_id)

    @property
    def creem_enabled(self) -> bool:
        """API key set and at least one product configured."""
        return bool(self.creem_api_key and self.creem_products)

    @property
    def creem_webhook_enabled(self) -> bool:
        """Creem on, with a webhook secret (or test mode, which new-api lets skip signing)."""
        return self.creem_enabled and bool(self.creem_webhook_secret or self.creem_test_mode)

    def min_topup_amount(self, base: int) -> int:
        """A minimum in request units (quota units when the console displays tokens)."""
        return base * int(self.quota_per_unit) if self.tokens_display else base

    def display_units(self, amount: int) -> Decimal:
        """A requested amount in money units ($ or ¥)."""
        return Decimal(amount) / self.quota_per_unit if self.tokens_display else Decimal(amount)

    def normalized_amount(self, amount: int) -> int:
        """What ``top_ups.amount`` stores: whole money units, at least 1 in tokens mode."""
        if not self.tokens_display:
            return amount
        return max(1, int(Decimal(amount) / self.quota_per_unit))

    def epay_money(self, amount: int) -> Decimal:
        """Price of an epay top-up, with the per-amount discount if one is set."""
        discount = Decimal(repr(self.amount_discount.get(str(amount), 1.0)))
        if discount <= 0:
            discount = Decimal(1)
        return self.display_units(amount) * self.price * discount

    def stripe_money(self, amount: int) -> Decimal:
        """Price of a Stripe top-up."""
        return self.display_units(amount) * self.stripe_unit_price
