"""Subscription plans, their orders and the subscriptions users hold (new-api model/subscription.go).

A ``user_subscriptions`` row is a quota pool (``amount_total``, 0 = unlimited) valid from
``start_time`` to ``end_time``; ``upgrade_group`` moves the user to a group while it lasts.
Only the columns relaygate reads are kept from new-api's much wider tables.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base

SUB_STATUS_ACTIVE = "active"
SUB_STATUS_EXPIRED = "expired"
SUB_STATUS_CANCELLED = "cancelled"


class SubscriptionPlan(Base):
    __tablename__ = "subscription_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(128))
    subtitle: Mapped[str] = mapped_column(String(255), default="")
    price_amount: Mapped[float] = mapped_column(Float, default=0.0)
    currency: Mapped[str] = mapped_column(String(8), default="USD")
    duration_unit: Mapped[str] = mapped_column(String(16), default="month")
    duration_value: Mapped[int] = mapped_column(Integer, default=1)
    custom_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    allow_balance_pay: Mapped[bool] = mapped_column(Boolean, default=True)
    stripe_price_id: Mapped[str] = mapped_column(String(128), default="")
    creem_product_id: Mapped[str] = mapped_column(String(128), default="")
    max_purchase_per_user: Mapped[int] = mapped_column(Integer, default=0)
    upgrade_group: Mapped[str] = mapped_column(String(64), default="")
    total_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    quota_reset_period: Mapped[str] = mapped_column(String(16), default="never")
    quota_reset_custom_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=0)


class SubscriptionOrder(Base):
    __tablename__ = "subscription_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    plan_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    money: Mapped[float] = mapped_column(Float, default=0.0)
    trade_no: Mapped[str] = mapped_column(String(255), unique=True)
    payment_method: Mapped[str] = mapped_column(String(50), default="")
    payment_provider: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[str] = mapped_column(String(32), default="pending")
    create_time: Mapped[int] = mapped_column(BigInteger, default=0)
    complete_time: Mapped[int] = mapped_column(BigInteger, default=0)
    provider_payload: Mapped[str] = mapped_column(Text, default="")


class UserSubscription(Base):
    __tablename__ = "user_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    plan_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    amount_total: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_used: Mapped[int] = mapped_column(BigInteger, default=0)
    start_time: Mapped[int] = mapped_column(BigInteger, default=0)
    end_time: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    status: Mapped[str] = mapped_column(String(32), default=SUB_STATUS_ACTIVE, index=True)
    source: Mapped[str] = mapped_column(String(32), default="order")
    last_reset_time: Mapped[int] = mapped_column(BigInteger, default=0)
    next_reset_time: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    upgrade_group: Mapped[str] = mapped_column(String(64), default="")
    prev_user_group: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=0)
