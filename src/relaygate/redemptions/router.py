"""/api/redemption (admin) and the user's ``POST /api/user/topup`` that redeems a code."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from relaygate.auth.deps import AdminCaller, DbSession, RuntimeDep, UserCaller
from relaygate.kit.envelope import Envelope, Page
from relaygate.misc.paging import PageParams
from relaygate.redemptions import service
from relaygate.redemptions.schemas import (
    RedeemRequest,
    RedemptionCreate,
    RedemptionPublic,
    RedemptionUpdate,
)
from relaygate.runtime import TOPIC_USERS

router = APIRouter(prefix="/api/redemption", tags=["redemptions"])
user_router = APIRouter(prefix="/api/user", tags=["redemptions"])


@router.get("/")
async def list_redemptions(
    page: PageParams, session: DbSession, _: AdminCaller
) -> Envelope[Page[RedemptionPublic]]:
    """A page of codes, newest first."""
    return Envelope[Page[RedemptionPublic]](data=await service.list_codes(session, page))


@router.get("/search")
async def search_redemptions(
    page: PageParams, session: DbSession, _: AdminCaller, keyword: str = ""
) -> Envelope[Page[RedemptionPublic]]:
    """Codes whose id equals ``keyword`` or whose name starts with it."""
    return Envelope[Page[RedemptionPublic]](
        data=await service.list_codes(session, page, keyword=keyword)
    )


@router.delete("/invalid")
async def delete_invalid(session: DbSession, _: AdminCaller) -> Envelope[int]:
    """Delete used, disabled and expired codes; data is the count."""
    return Envelope[int](data=await service.delete_invalid(session))


@router.get("/{redemption_id}")
async def get_redemption(
    redemption_id: int, session: DbSession, _: AdminCaller
) -> Envelope[RedemptionPublic]:
    """One code."""
    return Envelope[RedemptionPublic](data=await service.get_code(session, redemption_id))


@router.post("/")
async def create_redemptions(
    body: RedemptionCreate, session: DbSession, caller: AdminCaller
) -> Envelope[list[str]]:
    """Issue a batch of codes; data is their keys."""
    return Envelope[list[str]](data=await service.create_batch(session, caller, body))


@router.put("/")
async def update_redemption(
    body: RedemptionUpdate, session: DbSession, _: AdminCaller, status_only: str = ""
) -> Envelope[RedemptionPublic]:
    """Edit a code (``?status_only=1`` changes only its status)."""
    return Envelope[RedemptionPublic](
        data=await service.update_code(session, body, status_only=bool(status_only))
    )


@router.delete("/{redemption_id}")
async def delete_redemption(
    redemption_id: int, session: DbSession, _: AdminCaller
) -> Envelope[Any]:
    """Delete one code."""
    await service.delete_code(session, redemption_id)
    return Envelope.ok()


@user_router.post("/topup")
async def redeem(body: RedeemRequest, runtime: RuntimeDep, caller: UserCaller) -> Envelope[int]:
    """Redeem a code for the caller; data is the quota credited."""
    async with runtime.database.unit_of_work() as session:
        quota = await service.redeem(session, caller, body.key, runtime.options.current)
    await runtime.changed(TOPIC_USERS, str(caller.id))
    return Envelope[int](data=quota)
