"""SQL for the ``midjourneys`` and ``tasks`` tables.

A status change is a compare-and-set (``… WHERE id = :id AND status = :seen``), as new-api's
``UpdateWithStatus``: when two pollers race, one wins, so a failed task is refunded once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Result, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.midjourney import Midjourney
from relaygate.db.models.task import TASK_FINISHED, Task
from relaygate.db.models.user import User
from relaygate.tasks_admin.schemas import MidjourneyFilter, TaskFilter

UNFINISHED_LIMIT = 1000
"""Tasks one poll looks at (new-api's TaskQueryLimit)."""


def _changed_one(result: Result[Any]) -> bool:
    return bool(cast(CursorResult[Any], result).rowcount == 1)


async def add(session: AsyncSession, row: Midjourney | Task) -> None:
    """Insert a new row (its id is set on return)."""
    session.add(row)
    await session.flush()


async def midjourney_for_user(session: AsyncSession, user_id: int, mj_id: str) -> Midjourney | None:
    stmt = select(Midjourney).where(Midjourney.user_id == user_id, Midjourney.mj_id == mj_id)
    return (await session.execute(stmt.order_by(Midjourney.id.desc()).limit(1))).scalar()


async def midjourney_by_mj_id(session: AsyncSession, mj_id: str) -> Midjourney | None:
    stmt = select(Midjourney).where(Midjourney.mj_id == mj_id).order_by(Midjourney.id.desc())
    return (await session.execute(stmt.limit(1))).scalar()


async def midjourneys_for_user(
    session: AsyncSession, user_id: int, mj_ids: Sequence[str]
) -> list[Midjourney]:
    if not mj_ids:
        return []
    stmt = select(Midjourney).where(Midjourney.user_id == user_id, Midjourney.mj_id.in_(mj_ids))
    return list((await session.execute(stmt.order_by(Midjourney.id))).scalars())


async def unfinished_midjourneys(session: AsyncSession) -> list[Midjourney]:
    stmt = select(Midjourney).where(Midjourney.progress != "100%").order_by(Midjourney.id)
    return list((await session.execute(stmt.limit(UNFINISHED_LIMIT))).scalars())


async def set_midjourney(
    session: AsyncSession, row_id: int, seen_status: str, values: dict[str, Any]
) -> bool:
    """Update one row if its status is still ``seen_status``; True when it was."""
    stmt = (
        update(Midjourney)
        .where(Midjourney.id == row_id, Midjourney.status == seen_status)
        .values(**values)
    )
    return _changed_one(await session.execute(stmt))


def _mj_filters(user_id: int | None, query: MidjourneyFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if user_id is not None:
        conditions.append(Midjourney.user_id == user_id)
    elif query.channel_id.strip().isdigit():
        conditions.append(Midjourney.channel_id == int(query.channel_id))
    if query.mj_id:
        conditions.append(Midjourney.mj_id == query.mj_id)
    if query.start_timestamp.strip().isdigit():
        conditions.append(Midjourney.submit_time >= int(query.start_timestamp))
    if query.end_timestamp.strip().isdigit():
        conditions.append(Midjourney.submit_time <= int(query.end_timestamp))
    return conditions


async def list_midjourneys(
    session: AsyncSession, user_id: int | None, query: MidjourneyFilter, offset: int, limit: int
) -> tuple[list[Midjourney], int]:
    """One page, newest first, and the total (new-api ``GetAllTasks``/``GetAllUserTask``)."""
    conditions = _mj_filters(user_id, query)
    rows = await session.execute(
        select(Midjourney)
        .where(*conditions)
        .order_by(Midjourney.id.desc())
        .offset(offset)
        .limit(limit)
    )
    total = await session.execute(select(func.count()).select_from(Midjourney).where(*conditions))
    return list(rows.scalars()), int(total.scalar_one())


async def task_for_user(session: AsyncSession, user_id: int, task_id: str) -> Task | None:
    stmt = select(Task).where(Task.user_id == user_id, Task.task_id == task_id)
    return (await session.execute(stmt)).scalar()


async def tasks_for_user(
    session: AsyncSession, user_id: int, task_ids: Sequence[str]
) -> list[Task]:
    if not task_ids:
        return []
    stmt = select(Task).where(Task.user_id == user_id, Task.task_id.in_(task_ids))
    return list((await session.execute(stmt.order_by(Task.id))).scalars())


async def task_by_public_id(session: AsyncSession, task_id: str) -> Task | None:
    return (await session.execute(select(Task).where(Task.task_id == task_id))).scalar()


async def unfinished_tasks(session: AsyncSession) -> list[Task]:
    stmt = select(Task).where(Task.progress != "100%", Task.status.not_in(TASK_FINISHED))
    return list((await session.execute(stmt.order_by(Task.id).limit(UNFINISHED_LIMIT))).scalars())


async def set_task(
    session: AsyncSession, row_id: int, seen_status: str, values: dict[str, Any]
) -> bool:
    """Update one task if its status is still ``seen_status``; True when it was."""
    stmt = update(Task).where(Task.id == row_id, Task.status == seen_status).values(**values)
    return _changed_one(await session.execute(stmt))


def _task_filters(user_id: int | None, query: TaskFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if user_id is not None:
        conditions.append(Task.user_id == user_id)
    elif query.channel_id.strip().isdigit():
        conditions.append(Task.channel_id == int(query.channel_id))
    for column, value in (
        (Task.platform, query.platform),
        (Task.task_id, query.task_id),
        (Task.status, query.status),
        (Task.action, query.action),
    ):
        if value:
            conditions.append(column == value)
    if query.start_timestamp:
        conditions.append(Task.submit_time >= query.start_timestamp)
    if query.end_timestamp:
        conditions.append(Task.submit_time <= query.end_timestamp)
    return conditions


async def list_tasks(
    session: AsyncSession, user_id: int | None, query: TaskFilter, offset: int, limit: int
) -> tuple[list[Task], int]:
    """One page, newest first, and the total (new-api ``TaskGetAllTasks``)."""
    conditions = _task_filters(user_id, query)
    rows = await session.execute(
        select(Task).where(*conditions).order_by(Task.id.desc()).offset(offset).limit(limit)
    )
    total = await session.execute(select(func.count()).select_from(Task).where(*conditions))
    return list(rows.scalars()), int(total.scalar_one())


async def usernames(session: AsyncSession, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.username).where(User.id.in_(user_ids)))
    return {int(uid): str(name) for uid, name in rows.all()}
