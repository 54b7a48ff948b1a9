"""Subscription rules: plan validation, period arithmetic, buying with wallet quota, admin grants.

A subscription is a quota pool (``amount_total``, 0 = unlimited) for a period; buying one with
the wallet debits ``ceil(price × QuotaPerUnit)`` in one conditional UPDATE, so the wallet can
never go negative however many purchases race.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.log import LOG_TYPE_TOPUP, Log
from relaygate.db.models.subscription import (
    SUB_STATUS_ACTIVE,
    SUB_STATUS_CANCELLED,
    SubscriptionOrder,
    SubscriptionPlan,
    UserSubscription,
)
from relaygate.db.session import Database
from relaygate.errors import ApiRefused
from relaygate.kit import clock, ids
from relaygate.logs import repository as logs_repository
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.subscriptions import repository
from relaygate.subscriptions.schemas import (
    PlanFields,
    PlanItem,
    PlanPublic,
    SelfSubscriptions,
    SubscriptionItem,
    UserSubscriptionPublic,
)

DURATION_UNITS = frozenset({"year", "month", "day", "hour", "custom"})
RESET_PERIODS = frozenset({"never", "daily", "weekly", "monthly", "custom"})
MAX_PRICE = 9999


def _add_months(start: datetime, months: int) -> datetime:
    # Go's AddDate: the day overflows into the next month instead of clamping (Jan 31 + 1 = Mar 3).
    total = start.month - 1 + months
    base = start.replace(year=start.year + total // 12, month=total % 12 + 1, day=1)
    return base + timedelta(days=start.day - 1)


def end_time(start: int, plan: SubscriptionPlan) -> int:
    """When a subscription to ``plan`` starting at ``start`` ends."""
    moment = datetime.fromtimestamp(start, UTC)
    unit, value = plan.duration_unit, plan.duration_value
    if unit != "custom" and value <= 0:
        raise ApiRefused("duration_value must be > 0")
    if unit == "year":
        return int(_add_months(moment, 12 * value).timestamp())
    if unit == "month":
        return int(_add_months(moment, value).timestamp())
    if unit == "day":
        return start + value * 86400
    if unit == "hour":
        return start + value * 3600
    if unit == "custom":
        if plan.custom_seconds <= 0:
            raise ApiRefused("custom_seconds must be > 0")
        return start + plan.custom_seconds
    raise ApiRefused(f"invalid duration_unit: {unit}")


def next_reset(start: int, plan: SubscriptionPlan, end: int) -> int:
    """The next quota reset after ``start`` (0 for none, or when it falls after ``end``)."""
    period = plan.quota_reset_period if plan.quota_reset_period in RESET_PERIODS else "never"
    moment = datetime.fromtimestamp(start, UTC)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "daily":
        nxt = int((midnight + timedelta(days=1)).timestamp())
    elif period == "weekly":
        nxt = int((midnight + timedelta(days=7 - moment.weekday())).timestamp())
    elif period == "monthly":
        nxt = int(_add_months(midnight.replace(day=1), 1).timestamp())
    elif period == "custom" and plan.quota_reset_custom_seconds > 0:
        nxt = start + plan.quota_reset_custom_seconds
    else:
        return 0
    return 0 if end and nxt > end else nxt


def _validated(fields: PlanFields, options: OptionsSnapshot) -> PlanFields:
    if not fields.title.strip():
        raise ApiRefused("套餐标题不能为空")
    if fields.price_amount < 0:
        raise ApiRefused("价格不能为负数")
    if fields.price_amount > MAX_PRICE:
        raise ApiRefused("价格不能超过9999")
    if fields.max_purchase_per_user < 0:
        raise ApiRefused("购买上限不能为负数")
    if fields.total_amount < 0:
        raise ApiRefused("总额度不能为负数")
    unit = fields.duration_unit or "month"
    if unit not in DURATION_UNITS:
        raise ApiRefused(f"invalid duration_unit: {unit}")
    value = fields.duration_value if fields.duration_value > 0 or unit == "custom" else 1
    if unit == "custom" and fields.custom_seconds <= 0:
        raise ApiRefused("custom_seconds must be > 0")
    group = fields.upgrade_group.strip()
    if group and group not in options.group_ratio:
        raise ApiRefused("升级分组不存在")
    period = fields.quota_reset_period if fields.quota_reset_period in RESET_PERIODS else "never"
    if period == "custom" and fields.quota_reset_custom_seconds <= 0:
        raise ApiRefused("自定义重置周期需大于0秒")
    return fields.model_copy(
        update={
            "title": fields.title.strip(),
            "currency": "USD",
            "duration_unit": unit,
            "duration_value": value,
            "upgrade_group": group,
            "quota_reset_period": period,
            "allow_balance_pay": True
            if fields.allow_balance_pay is None
            else fields.allow_balance_pay,
        }
    )


async def list_plans(session: AsyncSession, *, enabled_only: bool) -> list[PlanItem]:
    """Plans wrapped as new-api's ``{"plan": …}`` items."""
    rows = await repository.list_plans(session, enabled_only=enabled_only)
    return [PlanItem(plan=PlanPublic.model_validate(row)) for row in rows]


async def create_plan(
    session: AsyncSession, fields: PlanFields, options: OptionsSnapshot
) -> PlanPublic:
    """Add a plan."""
    clean = _validated(fields, options)
    now = clock.now()
    row = SubscriptionPlan(**clean.model_dump(), created_at=now, updated_at=now)
    await repository.add(session, row)
    return PlanPublic.model_validate(row)


async def update_plan(
    session: AsyncSession, plan_id: int, fields: PlanFields, options: OptionsSnapshot
) -> None:
    """Replace a plan's fields."""
    if plan_id <= 0:
        raise ApiRefused("无效的ID")
    row = await repository.get_plan(session, plan_id)
    if row is None:
        raise ApiRefused("套餐不存在")
    for name, value in _validated(fields, options).model_dump().items():
        setattr(row, name, value)
    row.updated_at = clock.now()


async def set_plan_enabled(session: AsyncSession, plan_id: int, enabled: bool | None) -> None:
    """Enable or disable a plan."""
    if plan_id <= 0:
        raise ApiRefused("无效的ID")
    if enabled is None:
        raise ApiRefused("参数错误")
    row = await repository.get_plan(session, plan_id)
    if row is None:
        raise ApiRefused("套餐不存在")
    row.enabled = enabled
    row.updated_at = clock.now()


async def _grant(
    session: AsyncSession, user_id: int, plan: SubscriptionPlan, source: str
) -> UserSubscription:
    """Create a subscription from ``plan`` and apply its group upgrade."""
    limit = plan.max_purchase_per_user
    if limit > 0 and await repository.count_for_plan(session, user_id, plan.id) >= limit:
        raise ApiRefused("已达到该套餐购买上限")
    current = await repository.user_group(session, user_id)
    if current is None:
        raise ApiRefused("用户不存在")
    now = clock.now()
    end = end_time(now, plan)
    reset = next_reset(now, plan, end)
    prev = ""
    if plan.upgrade_group and current != plan.upgrade_group:
        prev = current
        await repository.set_user_group(session, user_id, plan.upgrade_group)
    sub = UserSubscription(
        user_id=user_id,
        plan_id=plan.id,
        amount_total=plan.total_amount,
        amount_used=0,
        start_time=now,
        end_time=end,
        status=SUB_STATUS_ACTIVE,
        source=source,
        last_reset_time=now if reset else 0,
        next_reset_time=reset,
        upgrade_group=plan.upgrade_group,
        prev_user_group=prev,
        created_at=now,
        updated_at=now,
    )
    await repository.add(session, sub)
    return sub


async def admin_bind(session: AsyncSession, user_id: int, plan_id: int) -> str:
    """Give a user a plan without payment; a message when their group changes."""
    if user_id <= 0 or plan_id <= 0:
        raise ApiRefused("参数错误")
    plan = await repository.get_plan(session, plan_id)
    if plan is None:
        raise ApiRefused("套餐不存在")
    await _grant(session, user_id, plan, "admin")
    return f"用户分组将升级到 {plan.upgrade_group}" if plan.upgrade_group else ""


async def buy_with_balance(
    database: Database, user_id: int, username: str, plan_id: int, options: OptionsSnapshot
) -> None:
    """Buy one period of a plan with wallet quota."""
    if plan_id <= 0:
        raise ApiRefused("参数错误")
    async with database.reader() as session:
        plan = await repository.get_plan(session, plan_id)
    if plan is None:
        raise ApiRefused("套餐不存在")
    if not plan.enabled:
        raise ApiRefused("套餐未启用")
    if not plan.allow_balance_pay:
        raise ApiRefused("该套餐不允许使用余额兑换")
    try:
        per_unit = float(options.get("QuotaPerUnit", "500000")) or 500000.0
    except ValueError:
        per_unit = 500000.0
    required = math.ceil(round(plan.price_amount * per_unit, 6)) if plan.price_amount > 0 else 0
    now = clock.now()
    async with database.unit_of_work() as session:
        # The debit is the first statement, so SQLite takes the write lock before any read.
        if required > 0 and not await repository.debit_wallet(session, user_id, required):
            raise ApiRefused("余额不足")
        await _grant(session, user_id, plan, "balance")
        await repository.add(
            session,
            SubscriptionOrder(
                user_id=user_id,
                plan_id=plan.id,
                money=plan.price_amount,
                trade_no=f"SUBBALUSR{user_id}NO{ids.random_string(6)}{clock.now()}{ids.random_string(4)}",
                payment_method="balance",
                payment_provider="balance",
                status="success",
                create_time=now,
                complete_time=now,
                provider_payload=f"charged_quota={required}",
            ),
        )
        await logs_repository.add(
            session,
            Log(
                user_id=user_id,
                username=username,
                type=LOG_TYPE_TOPUP,
                created_at=now,
                content=(
                    f"使用余额购买订阅成功，套餐: {plan.title}，支付金额: {plan.price_amount:.2f}，"
                    f"扣除额度: {required}"
                ),
            ),
        )


def _items(rows: list[UserSubscription]) -> list[SubscriptionItem]:
    return [SubscriptionItem(subscription=UserSubscriptionPublic.model_validate(r)) for r in rows]


async def own(session: AsyncSession, user_id: int) -> SelfSubscriptions:
    """A user's active subscriptions and full history."""
    now = clock.now()
    active = await repository.user_subscriptions(session, user_id, active_at=now)
    history = await repository.user_subscriptions(session, user_id)
    return SelfSubscriptions(
        subscriptions=_items(list(active)), all_subscriptions=_items(list(history))
    )


async def user_history(session: AsyncSession, user_id: int) -> list[SubscriptionItem]:
    """Every subscription of a user (admin)."""
    if user_id <= 0:
        raise ApiRefused("无效的用户ID")
    return _items(list(await repository.user_subscriptions(session, user_id)))


async def _restore_group(session: AsyncSession, sub: UserSubscription) -> str:
    """Undo a subscription's group upgrade unless another active one still grants a group.

    A later grant of the same plan records no previous group (the user was already upgraded),
    so the group to return to is taken from the most recent subscription that recorded one.
    """
    if not sub.upgrade_group:
        return ""
    now = clock.now()
    others = [
        s for s in await repository.user_subscriptions(session, sub.user_id) if s.id != sub.id
    ]
    if any(s.upgrade_group and s.status == SUB_STATUS_ACTIVE and s.end_time > now for s in others):
        return ""
    target = sub.prev_user_group or next(
        (
            s.prev_user_group
            for s in others
            if s.upgrade_group == sub.upgrade_group and s.prev_user_group
        ),
        "",
    )
    if not target or await repository.user_group(session, sub.user_id) != sub.upgrade_group:
        return ""
    await repository.set_user_group(session, sub.user_id, target)
    return f"用户分组将回退到 {target}"


async def invalidate(session: AsyncSession, sub_id: int) -> tuple[int, str]:
    """End a subscription now; the user id and a message when their group reverts."""
    if sub_id <= 0:
        raise ApiRefused("无效的订阅ID")
    sub = await repository.get_subscription(session, sub_id)
    if sub is None:
        raise ApiRefused("订阅不存在")
    if sub.status == SUB_STATUS_ACTIVE:
        now = clock.now()
        sub.status, sub.end_time, sub.updated_at = SUB_STATUS_CANCELLED, min(sub.end_time, now), now
        return sub.user_id, await _restore_group(session, sub)
    return sub.user_id, ""


async def delete(session: AsyncSession, sub_id: int) -> tuple[int, str]:
    """Delete a subscription row (reverting the group if it was active)."""
    if sub_id <= 0:
        raise ApiRefused("无效的订阅ID")
    sub = await repository.get_subscription(session, sub_id)
    if sub is None:
        raise ApiRefused("订阅不存在")
    message = await _restore_group(session, sub) if sub.status == SUB_STATUS_ACTIVE else ""
    await repository.delete_subscription(session, sub_id)
    return sub.user_id, message
