"""/api/subscription: plans for users, buying with wallet quota, and admin management."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from relaygate.auth.deps import AdminCaller, DbSession, RuntimeDep, UserCaller
from relaygate.kit.envelope import Envelope
from relaygate.runtime import TOPIC_USERS, Runtime
from relaygate.subscriptions import service
from relaygate.subscriptions.schemas import (
    BindRequest,
    PlanItem,
    PlanPublic,
    PlanRequest,
    PlanStatus,
    PlanUpsert,
    SelfSubscriptions,
    SubscriptionItem,
)

router = APIRouter(prefix="/api/subscription", tags=["subscriptions"])


def _message(message: str) -> Envelope[Any]:
    return Envelope.ok({"message": message} if message else None)


async def _announce(runtime: Runtime, user_id: int) -> None:
    await runtime.changed(TOPIC_USERS, str(user_id))


@router.get("/plans")
async def plans(session: DbSession, _: UserCaller) -> Envelope[list[PlanItem]]:
    """Enabled plans."""
    return Envelope[list[PlanItem]](data=await service.list_plans(session, enabled_only=True))


@router.get("/self")
async def own(session: DbSession, caller: UserCaller) -> Envelope[SelfSubscriptions]:
    """The caller's active subscriptions and history."""
    return Envelope[SelfSubscriptions](data=await service.own(session, caller.id))


@router.post("/balance/pay")
async def balance_pay(body: PlanRequest, runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """Buy one period of a plan with wallet quota."""
    await service.buy_with_balance(
        runtime.database, caller.id, caller.username, body.plan_id, runtime.options.current
    )
    await _announce(runtime, caller.id)
    return Envelope.ok()


@router.get("/admin/plans")
async def admin_plans(session: DbSession, _: AdminCaller) -> Envelope[list[PlanItem]]:
    """Every plan."""
    return Envelope[list[PlanItem]](data=await service.list_plans(session, enabled_only=False))


@router.post("/admin/plans")
async def create_plan(
    body: PlanUpsert, session: DbSession, runtime: RuntimeDep, _: AdminCaller
) -> Envelope[PlanPublic]:
    """Add a plan."""
    plan = await service.create_plan(session, body.plan, runtime.options.current)
    return Envelope[PlanPublic](data=plan)


@router.put("/admin/plans/{plan_id}")
async def update_plan(
    plan_id: int, body: PlanUpsert, session: DbSession, runtime: RuntimeDep, _: AdminCaller
) -> Envelope[Any]:
    """Replace a plan's fields."""
    await service.update_plan(session, plan_id, body.plan, runtime.options.current)
    return Envelope.ok()


@router.patch("/admin/plans/{plan_id}")
async def set_plan_status(
    plan_id: int, body: PlanStatus, session: DbSession, _: AdminCaller
) -> Envelope[Any]:
    """Enable or disable a plan."""
    await service.set_plan_enabled(session, plan_id, body.enabled)
    return Envelope.ok()


@router.post("/admin/bind")
async def bind(body: BindRequest, runtime: RuntimeDep, _: AdminCaller) -> Envelope[Any]:
    """Give a user a plan without payment."""
    async with runtime.database.unit_of_work() as session:
        message = await service.admin_bind(session, body.user_id, body.plan_id)
    await _announce(runtime, body.user_id)
    return _message(message)


@router.get("/admin/users/{user_id}/subscriptions")
async def user_subscriptions(
    user_id: int, session: DbSession, _: AdminCaller
) -> Envelope[list[SubscriptionItem]]:
    """A user's subscriptions."""
    return Envelope[list[SubscriptionItem]](data=await service.user_history(session, user_id))


@router.post("/admin/users/{user_id}/subscriptions")
async def create_user_subscription(
    user_id: int, body: PlanRequest, runtime: RuntimeDep, _: AdminCaller
) -> Envelope[Any]:
    """Give this user a plan without payment."""
    if user_id <= 0:
        return Envelope.fail("无效的用户ID")
    async with runtime.database.unit_of_work() as session:
        message = await service.admin_bind(session, user_id, body.plan_id)
    await _announce(runtime, user_id)
    return _message(message)


@router.post("/admin/user_subscriptions/{sub_id}/invalidate")
async def invalidate(sub_id: int, runtime: RuntimeDep, _: AdminCaller) -> Envelope[Any]:
    """End a subscription now."""
    async with runtime.database.unit_of_work() as session:
        user_id, message = await service.invalidate(session, sub_id)
    await _announce(runtime, user_id)
    return _message(message)


@router.delete("/admin/user_subscriptions/{sub_id}")
async def delete(sub_id: int, runtime: RuntimeDep, _: AdminCaller) -> Envelope[Any]:
    """Delete a subscription."""
    async with runtime.database.unit_of_work() as session:
        user_id, message = await service.delete(session, sub_id)
    await _announce(runtime, user_id)
    return _message(message)
