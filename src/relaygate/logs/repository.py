"""SQL for the logs table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.channel import Channel
from relaygate.db.models.log import LOG_TYPE_CONSUME, Log
from relaygate.kit import clock
from relaygate.logs.schemas import LogFilter


def _text_filter(column: Any, value: str) -> ColumnElement[bool]:
    # new-api: exact match unless the user typed a % wildcard; '!' escapes LIKE metacharacters.
    if "%" not in value:
        return column == value  # type: ignore[no-any-return]
    pattern = value.replace("!", "!!").replace("_", "!_")
    return column.like(pattern, escape="!")  # type: ignore[no-any-return]


def _conditions(filters: LogFilter, *, with_type: bool = True) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if with_type and filters.type:
        conditions.append(Log.type == filters.type)
    if filters.user_id:
        conditions.append(Log.user_id == filters.user_id)
    elif filters.username:
        conditions.append(Log.username == filters.username)
    if filters.model_name:
        conditions.append(_text_filter(Log.model_name, filters.model_name))
    if filters.token_name:
        conditions.append(Log.token_name == filters.token_name)
    if filters.request_id:
        conditions.append(Log.request_id == filters.request_id)
    if filters.start_timestamp:
        conditions.append(Log.created_at >= filters.start_timestamp)
    if filters.end_timestamp:
        conditions.append(Log.created_at <= filters.end_timestamp)
    if filters.channel:
        conditions.append(Log.channel_id == filters.channel)
    if filters.group:
        conditions.append(Log.group == filters.group)
    return conditions


async def add(session: AsyncSession, row: Log) -> None:
    """Insert one log row (management events; the relay batches its own)."""
    if not row.created_at:
        row.created_at = clock.now()
    session.add(row)
    await session.flush()


async def list_page(
    session: AsyncSession, filters: LogFilter, *, offset: int, limit: int
) -> tuple[Sequence[Log], int]:
    """Rows matching ``filters``, newest first, and their total."""
    conditions = _conditions(filters)
    total = (
        await session.execute(select(func.count()).select_from(Log).where(*conditions))
    ).scalar_one()
    rows = await session.execute(
        select(Log)
        .where(*conditions)
        .order_by(Log.created_at.desc(), Log.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return rows.scalars().all(), int(total)


async def channel_names(session: AsyncSession, channel_ids: Iterable[int]) -> dict[int, str]:
    """Channel id → name for the given ids."""
    ids = sorted(set(channel_ids))
    if not ids:
        return {}
    rows = await session.execute(select(Channel.id, Channel.name).where(Channel.id.in_(ids)))
    return {int(channel_id): str(name) for channel_id, name in rows}


async def stat(session: AsyncSession, filters: LogFilter) -> tuple[int, int, int]:
    """(quota in the filter, requests and tokens in the last 60 s) over consume rows."""
    conditions = [*_conditions(filters, with_type=False), Log.type == LOG_TYPE_CONSUME]
    quota = (
        await session.execute(select(func.coalesce(func.sum(Log.quota), 0)).where(*conditions))
    ).scalar_one()
    recent = [
        *_conditions(
            filters.model_copy(update={"start_timestamp": 0, "end_timestamp": 0}), with_type=False
        ),
        Log.type == LOG_TYPE_CONSUME,
        Log.created_at >= clock.now() - 60,
    ]
    rpm, tpm = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Log.prompt_tokens), 0)
                + func.coalesce(func.sum(Log.completion_tokens), 0),
            ).where(*recent)
        )
    ).one()
    return int(quota), int(rpm), int(tpm)


async def delete_before(session: AsyncSession, timestamp: int, *, limit: int) -> int:
    """Delete up to ``limit`` of the oldest rows created before ``timestamp``; return how many."""
    ids = (
        (
            await session.execute(
                select(Log.id).where(Log.created_at < timestamp).order_by(Log.id).limit(limit)
            )
        )
        .scalars()
        .all()
    )
    if not ids:
        return 0
    await session.execute(delete(Log).where(Log.id.in_(ids)))
    return len(ids)
