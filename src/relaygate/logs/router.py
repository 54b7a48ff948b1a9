"""/api/log: admin and self listings, stats, and purging old rows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from relaygate.auth.deps import AdminCaller, DbSession, RuntimeDep, UserCaller
from relaygate.errors import ApiRefused
from relaygate.kit.envelope import Envelope, Page
from relaygate.logs import service
from relaygate.logs.schemas import LogFilter, LogPublic, LogStat
from relaygate.misc.paging import PageParams

router = APIRouter(prefix="/api/log", tags=["logs"])

Filters = Annotated[LogFilter, Query()]


@router.get("/")
async def list_logs(
    filters: Filters, page: PageParams, session: DbSession, _: AdminCaller
) -> Envelope[Page[LogPublic]]:
    """Every user's log rows (admin)."""
    return Envelope[Page[LogPublic]](data=await service.list_all(session, filters, page))


@router.delete("/")
async def delete_history(
    runtime: RuntimeDep, _: AdminCaller, target_timestamp: int = 0
) -> Envelope[Any]:
    """Delete rows created before ``target_timestamp``; data is the count."""
    if target_timestamp == 0:
        raise ApiRefused("target timestamp is required")
    return Envelope.ok(await service.delete_history(runtime.database, target_timestamp))


@router.get("/stat")
async def stat(filters: Filters, session: DbSession, _: AdminCaller) -> Envelope[LogStat]:
    """Consumed quota plus rpm/tpm over every user (admin)."""
    return Envelope[LogStat](data=await service.stat(session, filters))


@router.get("/self/stat")
async def self_stat(filters: Filters, session: DbSession, caller: UserCaller) -> Envelope[LogStat]:
    """Consumed quota plus rpm/tpm over the caller's rows."""
    own = filters.model_copy(update={"user_id": caller.id, "username": ""})
    return Envelope[LogStat](data=await service.stat(session, own))


@router.get("/self")
async def list_own_logs(
    filters: Filters, page: PageParams, session: DbSession, caller: UserCaller
) -> Envelope[Page[LogPublic]]:
    """The caller's log rows."""
    return Envelope[Page[LogPublic]](data=await service.list_own(session, caller.id, filters, page))
