"""/api/mj and /api/task: every user's async tasks (admin) and the caller's own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from relaygate.auth.deps import AdminCaller, DbSession, RuntimeDep, UserCaller
from relaygate.kit.envelope import Envelope
from relaygate.misc.paging import PageParams
from relaygate.tasks_admin import service
from relaygate.tasks_admin.schemas import MidjourneyFilter, MidjourneyPage, TaskFilter, TaskPage

router = APIRouter(prefix="/api", tags=["tasks"])

MjFilters = Annotated[MidjourneyFilter, Query()]
TaskFilters = Annotated[TaskFilter, Query()]


@router.get("/mj/")
async def all_midjourney(
    filters: MjFilters, page: PageParams, session: DbSession, runtime: RuntimeDep, _: AdminCaller
) -> Envelope[MidjourneyPage]:
    """Every user's Midjourney tasks, newest first."""
    data = await service.list_midjourneys(
        session, runtime.options.current, filters, page, user_id=None
    )
    return Envelope[MidjourneyPage](data=data)


@router.get("/mj/self")
async def own_midjourney(
    filters: MjFilters,
    page: PageParams,
    session: DbSession,
    runtime: RuntimeDep,
    caller: UserCaller,
) -> Envelope[MidjourneyPage]:
    """The caller's Midjourney tasks."""
    data = await service.list_midjourneys(
        session, runtime.options.current, filters, page, user_id=caller.id
    )
    return Envelope[MidjourneyPage](data=data)


@router.get("/task/")
async def all_tasks(
    filters: TaskFilters, page: PageParams, session: DbSession, _: AdminCaller
) -> Envelope[TaskPage]:
    """Every user's video and Suno tasks, with usernames."""
    return Envelope[TaskPage](data=await service.list_tasks(session, filters, page, user_id=None))


@router.get("/task/self")
async def own_tasks(
    filters: TaskFilters, page: PageParams, session: DbSession, caller: UserCaller
) -> Envelope[TaskPage]:
    """The caller's video and Suno tasks."""
    data = await service.list_tasks(session, filters, page, user_id=caller.id)
    return Envelope[TaskPage](data=data)
