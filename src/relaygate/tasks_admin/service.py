"""Listings of async tasks in new-api's shapes, and the public DTO of one task."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.midjourney import Midjourney
from relaygate.db.models.task import Task
from relaygate.misc.paging import PageQuery
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.tasks_admin import repository
from relaygate.tasks_admin.schemas import (
    MidjourneyFilter,
    MidjourneyPage,
    MidjourneyPublic,
    TaskFilter,
    TaskPage,
    TaskPublic,
)


def result_url(task: Task) -> str:
    """Where the result is (video proxy URL, audio URL), or "" before success."""
    private = task.private_data or {}
    return str(private.get("result_url") or "")


def task_public(task: Task, username: str | None = None) -> TaskPublic:
    """new-api's ``TaskDto`` for one row (private data never included)."""
    return TaskPublic(
        id=task.id,
        created_at=task.created_at,
        updated_at=task.updated_at,
        task_id=task.task_id,
        platform=task.platform,
        user_id=task.user_id,
        group=task.group,
        channel_id=task.channel_id,
        quota=task.quota,
        action=task.action,
        status=task.status,
        fail_reason=task.fail_reason,
        result_url=result_url(task) or None,
        submit_time=task.submit_time,
        start_time=task.start_time,
        finish_time=task.finish_time,
        progress=task.progress,
        properties=task.properties or {"input": ""},
        username=username,
        data=task.data,
    )


def forwarded_image_url(options: OptionsSnapshot, row: Midjourney) -> str:
    """The image URL clients see: ours (``/mj/image/{id}``) when MjForwardUrlEnabled is on."""
    if row.image_url and options.get("MjForwardUrlEnabled") == "true":
        return options.get("ServerAddress").rstrip("/") + "/mj/image/" + row.mj_id
    return row.image_url


async def list_midjourneys(
    session: AsyncSession,
    options: OptionsSnapshot,
    query: MidjourneyFilter,
    page: PageQuery,
    *,
    user_id: int | None,
) -> MidjourneyPage:
    """A page of Midjourney tasks (everyone's for admins, else the caller's)."""
    rows, total = await repository.list_midjourneys(
        session, user_id, query, page.offset, page.page_size
    )
    items = []
    for row in rows:
        item = MidjourneyPublic.model_validate(row)
        item.image_url = forwarded_image_url(options, row)
        items.append(item)
    return MidjourneyPage(page=page.page, page_size=page.page_size, total=total, items=items)


async def list_tasks(
    session: AsyncSession, query: TaskFilter, page: PageQuery, *, user_id: int | None
) -> TaskPage:
    """A page of video/Suno tasks; the admin listing names each task's user."""
    rows, total = await repository.list_tasks(session, user_id, query, page.offset, page.page_size)
    names = (
        await repository.usernames(session, {r.user_id for r in rows}) if user_id is None else {}
    )
    items = [task_public(r, names.get(r.user_id) if user_id is None else None) for r in rows]
    return TaskPage(page=page.page, page_size=page.page_size, total=total, items=items)
