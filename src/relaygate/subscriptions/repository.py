"""SQL for subscription plans, orders and user subscriptions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.subscription import (
    SUB_STATUS_ACTIVE,
    SubscriptionOrder,
    SubscriptionPlan,
    UserSubscription,
)
from relaygate.db.models.user import User


async def list_plans(session: AsyncSession, *, enabled_only: bool) -> Sequence[SubscriptionPlan]:
    """Plans by ``sort_order`` then id, both descending (new-api's order)."""
    stmt = select(SubscriptionPlan).order_by(
        SubscriptionPlan.sort_order.desc(), SubscriptionPlan.id.desc()
    )
    if enabled_only:
        stmt = stmt.where(SubscriptionPlan.enabled.is_(True))
    return (await session.execute(stmt)).scalars().all()


async def get_plan(session: AsyncSession, plan_id: int) -> SubscriptionPlan | None:
    """One plan."""
    return await session.get(SubscriptionPlan, plan_id)


async def add(
    session: AsyncSession, row: SubscriptionPlan | SubscriptionOrder | UserSubscription
) -> None:
    """Insert a row and assign its id."""
    session.add(row)
    await session.flush()


async def debit_wallet(session: AsyncSession, user_id: int, amount: int) -> bool:
    """Take ``amount`` quota from a user who has at least that much, in one statement."""
    stmt = (
        update(User)
        .where(User.id == user_id, User.quota >= amount)
        .values(quota=User.quota - amount)
    )
    return int((await session.execute(stmt)).rowcount) == 1  # type: ignore[attr-defined]


async def user_group(session: AsyncSession, user_id: int) -> str | None:
    """A user's current group, or None if there is no such user."""
    value: str | None = (
        await session.execute(select(User.group).where(User.id == user_id))
    ).scalar()
    return value


async def set_user_group(session: AsyncSession, user_id: int, group: str) -> None:
    """Move a user to ``group``."""
    await session.execute(update(User).where(User.id == user_id).values(group=group))


async def count_for_plan(session: AsyncSession, user_id: int, plan_id: int) -> int:
    """How many subscriptions of a plan a user has ever held."""
    stmt = (
        select(func.count())
        .select_from(UserSubscription)
        .where(UserSubscription.user_id == user_id, UserSubscription.plan_id == plan_id)
    )
    return int((await session.execute(stmt)).scalar_one())


async def user_subscriptions(
    session: AsyncSession, user_id: int, *, active_at: int | None = None
) -> Sequence[UserSubscription]:
    """A user's subscriptions, newest first; with ``active_at``, only those active then."""
    stmt = select(UserSubscription).where(UserSubscription.user_id == user_id)
    if active_at is not None:
        stmt = stmt.where(
            UserSubscription.status == SUB_STATUS_ACTIVE, UserSubscription.end_time > active_at
        )
    return (await session.execute(stmt.order_by(UserSubscription.id.desc()))).scalars().all()


async def get_subscription(session: AsyncSession, sub_id: int) -> UserSubscription | None:
    """One user subscription."""
    return await session.get(UserSubscription, sub_id)


async def delete_subscription(session: AsyncSession, sub_id: int) -> None:
    """Remove a user subscription row."""
    await session.execute(delete(UserSubscription).where(UserSubscription.id == sub_id))
