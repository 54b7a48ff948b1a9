"""SQL for quota_data: summarising consume logs by hour, upserting buckets, and the dashboard reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, func, select
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.log import LOG_TYPE_CONSUME, Log
from relaygate.db.models.quota_data import QuotaData, QuotaHour

HOUR = 3600
_KEY = ("user_id", "username", "model_name", "created_at")


async def summarise_logs(session: AsyncSession, start: int, end: int) -> list[dict[str, Any]]:
    """Consume rows in ``[start, end)`` grouped by user, username, model and hour."""
    hour = (Log.created_at - Log.created_at % HOUR).label("hour")
    stmt = (
        select(
            Log.user_id,
            Log.username,
            Log.model_name,
            hour,
            func.count().label("count"),
            func.coalesce(func.sum(Log.quota), 0).label("quota"),
            func.coalesce(func.sum(Log.prompt_tokens + Log.completion_tokens), 0).label("tokens"),
        )
        .where(Log.type == LOG_TYPE_CONSUME, Log.created_at >= start, Log.created_at < end)
        .group_by(Log.user_id, Log.username, Log.model_name, hour)
    )
    return [
        {
            "user_id": int(r["user_id"]),
            "username": str(r["username"] or "")[:64],
            "model_name": str(r["model_name"] or "")[:255],
            "created_at": int(r["hour"]),
            "count": int(r["count"]),
            "quota": int(r["quota"]),
            "token_used": int(r["tokens"]),
        }
        for r in (await session.execute(stmt)).mappings().all()
    ]


_UPSERT_CHUNK = 500


async def upsert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert buckets, overwriting the totals of buckets that exist (they were recomputed).

    In chunks: one multi-row VALUES statement per ``_UPSERT_CHUNK`` buckets, so a large
    backlog never builds one giant statement in memory.
    """
    for start in range(0, len(rows), _UPSERT_CHUNK):
        await _upsert_chunk(session, rows[start : start + _UPSERT_CHUNK])


async def _upsert_chunk(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    table = QuotaData
    if dialect == "mysql":
        my = mysql.insert(table).values(rows)
        my_stmt = my.on_duplicate_key_update(
            count=my.inserted["count"], quota=my.inserted.quota, token_used=my.inserted.token_used
        )
        await session.execute(my_stmt)
        return
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={
            "count": stmt.excluded["count"],
            "quota": stmt.excluded.quota,
            "token_used": stmt.excluded.token_used,
        },
    )
    await session.execute(stmt)


async def latest_bucket(session: AsyncSession) -> int | None:
    """The newest aggregated hour, if any."""
    value: int | None = (await session.execute(select(func.max(QuotaData.created_at)))).scalar()
    return None if value is None else int(value)


async def quota_between(session: AsyncSession, start: int, end: int, *, user_id: int = 0) -> int:
    """Quota of the hours in [start, end): one user's buckets, or the all-users hour totals."""
    if user_id:
        column = QuotaData.quota
        where = [
            QuotaData.created_at >= start,
            QuotaData.created_at < end,
            QuotaData.user_id == user_id,
        ]
    else:
        column = QuotaHour.quota
        where = [QuotaHour.created_at >= start, QuotaHour.created_at < end]
    total = (
        await session.execute(select(func.coalesce(func.sum(column), 0)).where(*where))
    ).scalar_one()
    return int(total)


async def refresh_hours(session: AsyncSession, start: int, end: int) -> None:
    """Recompute the all-users totals of the hours in [start, end) from their buckets."""
    sums = (
        await session.execute(
            select(
                QuotaData.created_at,
                func.sum(QuotaData.count),
                func.sum(QuotaData.quota),
                func.sum(QuotaData.token_used),
            )
            .where(QuotaData.created_at >= start, QuotaData.created_at < end)
            .group_by(QuotaData.created_at)
        )
    ).all()
    rows = [
        {
            "created_at": int(h),
            "count": int(c or 0),
            "quota": int(q or 0),
            "token_used": int(t or 0),
        }
        for h, c, q, t in sums
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "mysql":
        my = mysql.insert(QuotaHour).values(rows)
        await session.execute(
            my.on_duplicate_key_update(
                count=my.inserted["count"],
                quota=my.inserted.quota,
                token_used=my.inserted.token_used,
            )
        )
        return
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(QuotaHour).values(rows)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["created_at"],
            set_={
                "count": stmt.excluded["count"],
                "quota": stmt.excluded.quota,
                "token_used": stmt.excluded.token_used,
            },
        )
    )


async def earliest_consume(session: AsyncSession) -> int | None:
    """The oldest consume log time, if any."""
    stmt = select(func.min(Log.created_at)).where(Log.type == LOG_TYPE_CONSUME)
    value: int | None = (await session.execute(stmt)).scalar()
    return None if value is None else int(value)


def _range(start: int, end: int) -> list[ColumnElement[bool]]:
    return [QuotaData.created_at >= start, QuotaData.created_at <= end]


async def rows_for(
    session: AsyncSession, start: int, end: int, *, user_id: int = 0, username: str = ""
) -> Sequence[QuotaData]:
    """Raw buckets of one user (by id or by name)."""
    conditions = _range(start, end)
    if user_id:
        conditions.append(QuotaData.user_id == user_id)
    else:
        conditions.append(QuotaData.username == username)
    stmt = select(QuotaData).where(*conditions).order_by(QuotaData.created_at, QuotaData.id)
    return (await session.execute(stmt)).scalars().all()


async def by_model(session: AsyncSession, start: int, end: int) -> Sequence[RowMapping]:
    """Every user's buckets summed per model and hour."""
    stmt = (
        select(
            QuotaData.model_name,
            QuotaData.created_at,
            func.sum(QuotaData.count).label("count"),
            func.sum(QuotaData.quota).label("quota"),
            func.sum(QuotaData.token_used).label("token_used"),
        )
        .where(*_range(start, end))
        .group_by(QuotaData.model_name, QuotaData.created_at)
        .order_by(QuotaData.created_at, QuotaData.model_name)
    )
    return (await session.execute(stmt)).mappings().all()


async def by_username(session: AsyncSession, start: int, end: int) -> Sequence[RowMapping]:
    """Every user's buckets summed per username and hour."""
    stmt = (
        select(
            QuotaData.username,
            QuotaData.created_at,
            func.sum(QuotaData.count).label("count"),
            func.sum(QuotaData.quota).label("quota"),
            func.sum(QuotaData.token_used).label("token_used"),
        )
        .where(*_range(start, end))
        .group_by(QuotaData.username, QuotaData.created_at)
        .order_by(QuotaData.created_at, QuotaData.username)
    )
    return (await session.execute(stmt)).mappings().all()
