"""Request and response shapes for /api/subscription, with new-api's JSON field names."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PlanFields(BaseModel):
    """The editable part of a plan."""

    title: str = ""
    subtitle: str = ""
    price_amount: float = 0.0
    currency: str = "USD"
    duration_unit: str = "month"
    duration_value: int = 1
    custom_seconds: int = 0
    enabled: bool = True
    sort_order: int = 0
    allow_balance_pay: bool | None = None
    stripe_price_id: str = ""
    creem_product_id: str = ""
    max_purchase_per_user: int = 0
    upgrade_group: str = ""
    total_amount: int = 0
    quota_reset_period: str = "never"
    quota_reset_custom_seconds: int = 0


class PlanUpsert(BaseModel):
    """``{"plan": {...}}`` as the console sends it."""

    plan: PlanFields


class PlanPublic(PlanFields):
    """A stored plan."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    allow_balance_pay: bool | None = True
    created_at: int = 0
    updated_at: int = 0


class PlanItem(BaseModel):
    """new-api wraps each plan: ``{"plan": {...}}``."""

    plan: PlanPublic


class PlanStatus(BaseModel):
    """``PATCH /admin/plans/{id}``."""

    enabled: bool | None = None


class BindRequest(BaseModel):
    """``POST /admin/bind``."""

    user_id: int = 0
    plan_id: int = 0


class PlanRequest(BaseModel):
    """A plan id (balance purchase, admin grant to a user)."""

    plan_id: int = 0


class UserSubscriptionPublic(BaseModel):
    """One subscription a user holds."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    plan_id: int
    amount_total: int
    amount_used: int
    start_time: int
    end_time: int
    status: str
    source: str
    last_reset_time: int
    next_reset_time: int
    upgrade_group: str
    prev_user_group: str
    created_at: int
    updated_at: int


class SubscriptionItem(BaseModel):
    """new-api's summary wrapper: ``{"subscription": {...}}``."""

    subscription: UserSubscriptionPublic


class SelfSubscriptions(BaseModel):
    """``GET /self``: active subscriptions and the full history."""

    billing_preference: str = "subscription_first"
    subscriptions: list[SubscriptionItem]
    all_subscriptions: list[SubscriptionItem]
