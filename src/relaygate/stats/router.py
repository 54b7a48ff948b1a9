"""/api/data: the dashboard's hourly usage (admin: everyone; /self: the caller)."""

from __future__ import annotations

from fastapi import APIRouter

from relaygate.auth.deps import AdminCaller, RuntimeDep, UserCaller
from relaygate.kit.envelope import Envelope
from relaygate.stats import service
from relaygate.stats.schemas import QuotaDataPublic

router = APIRouter(prefix="/api/data", tags=["stats"])


@router.get("")
@router.get("/")
async def all_quota_dates(
    runtime: RuntimeDep,
    _: AdminCaller,
    username: str = "",
    start_timestamp: int = 0,
    end_timestamp: int = 0,
    default_time: str = "",
) -> Envelope[list[QuotaDataPublic]]:
    """Per model and hour, or one user's rows with ``username`` (``default_time`` is the
    console's bucketing choice and is applied client-side, as in new-api)."""
    data = await service.all_dates(
        runtime.database, runtime.options.current, start_timestamp, end_timestamp, username.strip()
    )
    return Envelope[list[QuotaDataPublic]](data=data)


@router.get("/users")
async def quota_dates_by_user(
    runtime: RuntimeDep, _: AdminCaller, start_timestamp: int = 0, end_timestamp: int = 0
) -> Envelope[list[QuotaDataPublic]]:
    """Per username and hour."""
    data = await service.dates_by_user(
        runtime.database, runtime.options.current, start_timestamp, end_timestamp
    )
    return Envelope[list[QuotaDataPublic]](data=data)


@router.get("/self")
async def own_quota_dates(
    runtime: RuntimeDep,
    caller: UserCaller,
    start_timestamp: int = 0,
    end_timestamp: int = 0,
    default_time: str = "",
) -> Envelope[list[QuotaDataPublic]]:
    """The caller's rows (at most 30 days at once)."""
    data = await service.own_dates(
        runtime.database, runtime.options.current, caller.id, start_timestamp, end_timestamp
    )
    return Envelope[list[QuotaDataPublic]](data=data)
