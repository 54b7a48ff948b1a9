"""/api/log: admin and self listings, stats, CSV export, and purging.

``GET /api/log/token`` (key-authenticated) lives with the tokens domain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from relaygate.auth.deps import AdminCaller, DbSession, RuntimeDep, UserCaller
from relaygate.errors import ApiRefused
from relaygate.kit import clock
from relaygate.kit.envelope import Envelope
from relaygate.logs import service
from relaygate.logs.export import stream_csv
from relaygate.logs.schemas import LogFilter, LogPage, LogStat
from relaygate.misc.paging import PageParams

router = APIRouter(prefix="/api/log", tags=["logs"])

Filters = Annotated[LogFilter, Query()]
ExportLimit = Annotated[int, Query(ge=0)]
_DEPRECATED = "该接口已废弃"


def _csv(chunks: Any, name: str) -> StreamingResponse:
    filename = f"{name}-{clock.now()}.csv"
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/")
async def list_logs(
    filters: Filters, page: PageParams, session: DbSession, _: AdminCaller
) -> Envelope[LogPage]:
    """Every user's log rows (admin)."""
    return Envelope[LogPage](data=await service.list_all(session, filters, page))


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


@router.get("/search")
async def search_all(_: AdminCaller) -> Envelope[Any]:
    """Deprecated in new-api (the console filters ``GET /api/log/`` instead)."""
    return Envelope.fail(_DEPRECATED)


@router.get("/export")
async def export_all(
    filters: Filters, runtime: RuntimeDep, _: AdminCaller, limit: ExportLimit = 0
) -> StreamingResponse:
    """Every row matching the admin filters as CSV, streamed by keyset batches."""
    return _csv(stream_csv(runtime.database, filters, admin=True, limit=limit), "logs")


@router.get("/self/stat")
async def self_stat(filters: Filters, session: DbSession, caller: UserCaller) -> Envelope[LogStat]:
    """Consumed quota plus rpm/tpm over the caller's rows."""
    return Envelope[LogStat](
        data=await service.stat(session, service.own_filters(caller.id, filters))
    )


@router.get("/self/search")
async def search_own(_: UserCaller) -> Envelope[Any]:
    """Deprecated in new-api."""
    return Envelope.fail(_DEPRECATED)


@router.get("/self/export")
async def export_own(
    filters: Filters, runtime: RuntimeDep, caller: UserCaller, limit: ExportLimit = 0
) -> StreamingResponse:
    """The caller's rows matching the filters as CSV, streamed by keyset batches."""
    own = service.own_filters(caller.id, filters)
    return _csv(stream_csv(runtime.database, own, admin=False, limit=limit), "my-logs")


@router.get("/self")
async def list_own_logs(
    filters: Filters, page: PageParams, session: DbSession, caller: UserCaller
) -> Envelope[LogPage]:
    """The caller's log rows."""
    return Envelope[LogPage](data=await service.list_own(session, caller.id, filters, page))
