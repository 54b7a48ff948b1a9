"""SQL for the logs table.

Every list is ordered by ``(created_at, id)`` descending. Pages after the first can be read by
keyset (``(created_at, id) < cursor``), which costs the same on page 1 and page 100,000; offset
pages are kept for new-api's console. Counts stop at ``LOG_COUNT_LIMIT``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, delete, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.channel import Channel
from relaygate.db.models.log import LOG_TYPE_CONSUME, Log
from relaygate.db.models.user import User
from relaygate.errors import ApiRefused
from relaygate.kit import clock
from relaygate.logs.schemas import LogFilter

LOG_COUNT_LIMIT = 10000
"""Counts stop here (new-api's ``logSearchCountLimit``)."""
PATTERN_COUNT_LIMIT = 1000
"""Counts of a keyword or ``%`` pattern search stop here: such a filter cannot use an index
range, so every counted row costs a scan step."""
FUZZY_USER_ID_LIMIT = 1000
"""A fuzzy username resolving to more users than this falls back to the logs' username column."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """The last row of the previous page."""

    created_at: int
    id: int

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        """``"<created_at>,<id>"`` or empty; anything else is refused."""
        if not text:
            return None
        head, _, tail = text.partition(",")
        try:
            return cls(int(head), int(tail))
        except ValueError:
            raise ApiRefused("无效的游标") from None

    def __str__(self) -> str:
        return f"{self.created_at},{self.id}"


def like_pattern(value: str) -> str:
    """new-api's ``sanitizeLikePattern``: ``!`` escapes, at most two ``%``, never ``%%``."""
    pattern = value.replace("!", "!!").replace("_", "!_")
    if "%%" in pattern:
        raise ApiRefused("搜索模式中不允许包含连续的 % 通配符")
    wildcards = pattern.count("%")
    if wildcards > 2:
        raise ApiRefused("搜索模式中最多允许包含 2 个 % 通配符")
    if wildcards and len(pattern.replace("%", "")) < 2:
        raise ApiRefused("使用模糊搜索时，关键词长度至少为 2 个字符")
    return pattern


def _text_filter(column: Any, value: str) -> ColumnElement[bool]:
    # new-api: exact match unless the user typed a % wildcard.
    if "%" not in value:
        return column == value  # type: ignore[no-any-return]
    return column.like(like_pattern(value), escape="!")  # type: ignore[no-any-return]


def _unquote(value: str) -> str:
    # new-api's normalizeLogTextFilterValue: a quoted "name" means the name.
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].strip()
    return value


async def _username_condition(session: AsyncSession, raw: str) -> ColumnElement[bool] | None:
    """A username resolves to the current user ids, so rows logged before a rename still match
    and the (user_id, created_at) index serves the query; unknown names match the row snapshot."""
    value = _unquote(raw)
    if not value:
        return None
    if "%" in value:
        pattern = like_pattern(value)
        ids = (
            (
                await session.execute(
                    select(User.id)
                    .where(User.username.like(pattern, escape="!"))
                    .limit(FUZZY_USER_ID_LIMIT + 1)
                )
            )
            .scalars()
            .all()
        )
        snapshot = Log.username.like(pattern, escape="!")
        if ids and len(ids) <= FUZZY_USER_ID_LIMIT:
            return or_(snapshot, Log.user_id.in_(ids))
        return snapshot
    ids = (await session.execute(select(User.id).where(User.username == value))).scalars().all()
    if ids:
        return Log.user_id.in_(ids) if len(ids) > 1 else Log.user_id == ids[0]
    return Log.username == value


async def conditions(
    session: AsyncSession, filters: LogFilter, *, with_type: bool = True, with_time: bool = True
) -> list[ColumnElement[bool]]:
    """WHERE clauses for ``filters`` (new-api's GetAllLogs / GetUserLogs / SumUsedQuota)."""
    where: list[ColumnElement[bool]] = []
    if with_type and filters.type:
        where.append(Log.type == filters.type)
    if filters.user_id:
        where.append(Log.user_id == filters.user_id)
    elif filters.username:
        by_name = await _username_condition(session, filters.username)
        if by_name is not None:
            where.append(by_name)
    if filters.model_name:
        where.append(_text_filter(Log.model_name, filters.model_name))
    if filters.token_name:
        where.append(Log.token_name == filters.token_name)
    if filters.request_id:
        where.append(Log.request_id == filters.request_id)
    if with_time and filters.start_timestamp:
        where.append(Log.created_at >= filters.start_timestamp)
    if with_time and filters.end_timestamp:
        where.append(Log.created_at <= filters.end_timestamp)
    if filters.channel:
        where.append(Log.channel_id == filters.channel)
    if filters.group:
        where.append(Log.group == filters.group)
    if filters.keyword:
        escaped = filters.keyword.replace("!", "!!").replace("%", "!%").replace("_", "!_")
        where.append(Log.content.like(f"%{escaped}%", escape="!"))
    return where


def _newest_first(where: Sequence[ColumnElement[bool]], cursor: Cursor | None) -> Select[Log]:
    statement = select(Log).where(*where)
    if cursor is not None:
        statement = statement.where(
            tuple_(Log.created_at, Log.id) < tuple_(cursor.created_at, cursor.id)
        )
    return statement.order_by(Log.created_at.desc(), Log.id.desc())


async def add(session: AsyncSession, row: Log) -> None:
    """Insert one log row (management events; the relay batches its own)."""
    if not row.created_at:
        row.created_at = clock.now()
    session.add(row)
    await session.flush()


def count_limit(filters: LogFilter) -> int:
    """Where a count of ``filters`` stops."""
    patterned = filters.keyword or "%" in filters.username or "%" in filters.model_name
    return PATTERN_COUNT_LIMIT if patterned else LOG_COUNT_LIMIT


async def count_capped(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], limit: int = LOG_COUNT_LIMIT
) -> int:
    """How many rows match, counting at most ``limit``."""
    limited = select(Log.id).where(*where).limit(limit).subquery()
    return int((await session.execute(select(func.count()).select_from(limited))).scalar_one())


async def list_page(
    session: AsyncSession, filters: LogFilter, *, offset: int, limit: int
) -> tuple[Sequence[Log], int]:
    """Rows matching ``filters``, newest first (after ``filters.cursor`` when given), and the
    capped total of the whole filter."""
    where = await conditions(session, filters)
    cursor = Cursor.parse(filters.cursor)
    total = await count_capped(session, where, count_limit(filters))
    statement = _newest_first(where, cursor).limit(limit)
    if cursor is None and offset:
        statement = statement.offset(offset)
    rows = (await session.execute(statement)).scalars().all()
    return rows, total


async def batch_after(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    cursor: Cursor | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """The next ``limit`` rows after ``cursor`` as plain rows (the export's keyset walk; no ORM
    objects, which would cost more than the query)."""
    statement = select(*Log.__table__.columns).where(*where)
    if cursor is not None:
        statement = statement.where(
            tuple_(Log.created_at, Log.id) < tuple_(cursor.created_at, cursor.id)
        )
    statement = statement.order_by(Log.created_at.desc(), Log.id.desc()).limit(limit)
    return (await session.execute(statement)).all()


async def channel_names(session: AsyncSession, channel_ids: Iterable[int]) -> dict[int, str]:
    """Channel id → name for the given ids."""
    ids = sorted(set(channel_ids))
    if not ids:
        return {}
    rows = await session.execute(select(Channel.id, Channel.name).where(Channel.id.in_(ids)))
    return {int(channel_id): str(name) for channel_id, name in rows}


async def stat(session: AsyncSession, filters: LogFilter) -> tuple[int, int, int]:
    """(quota in the filter, requests and tokens in the last 60 s) over consume rows.

    As in new-api the time range bounds only the quota; rpm/tpm always cover the last minute.
    """
    consume = Log.type == LOG_TYPE_CONSUME
    where = [*await conditions(session, filters, with_type=False), consume]
    quota = (
        await session.execute(select(func.coalesce(func.sum(Log.quota), 0)).where(*where))
    ).scalar_one()
    recent = [
        *await conditions(session, filters, with_type=False, with_time=False),
        consume,
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
