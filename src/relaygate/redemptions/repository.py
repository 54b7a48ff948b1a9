"""SQL for the redemptions table. Deleted rows (``deleted_at`` set) are invisible everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.redemption import (
    REDEMPTION_STATUS_DISABLED,
    REDEMPTION_STATUS_ENABLED,
    REDEMPTION_STATUS_USED,
    Redemption,
)


def _live() -> ColumnElement[bool]:
    return Redemption.deleted_at.is_(None)


def _deleted_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


async def add_many(session: AsyncSession, rows: Sequence[Redemption]) -> None:
    """Insert a batch of codes."""
    session.add_all(rows)
    await session.flush()


async def get(session: AsyncSession, redemption_id: int) -> Redemption | None:
    """A live code by id."""
    stmt = select(Redemption).where(Redemption.id == redemption_id, _live())
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_by_key(session: AsyncSession, key: str) -> Redemption | None:
    """A live code by its key."""
    stmt = select(Redemption).where(Redemption.key == key, _live())
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(
    session: AsyncSession, *, offset: int, limit: int, keyword: str | None = None
) -> tuple[Sequence[Redemption], int]:
    """Live codes, newest first; with ``keyword``, those whose id equals it or name starts with it."""
    conditions: list[ColumnElement[bool]] = [_live()]
    if keyword is not None:
        pattern = keyword.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
        by_name = Redemption.name.like(pattern, escape="!")
        conditions.append(
            or_(Redemption.id == int(keyword), by_name) if keyword.isdigit() else by_name
        )
    total = (
        await session.execute(select(func.count()).select_from(Redemption).where(*conditions))
    ).scalar_one()
    rows = (
        await session.execute(
            select(Redemption)
            .where(*conditions)
            .order_by(Redemption.id.desc())
            .offset(offset)
            .limit(limit)
        )
    ).scalars()
    return rows.all(), int(total)


async def claim(session: AsyncSession, key: str, user_id: int, now: int) -> bool:
    """Mark an enabled, unexpired code used by ``user_id`` in one conditional UPDATE.

    Exactly one of any number of concurrent callers sees ``True`` for a given key; it must be
    the first statement of its unit of work so SQLite takes the write lock before any read.
    """
    stmt = (
        update(Redemption)
        .where(
            Redemption.key == key,
            _live(),
            Redemption.status == REDEMPTION_STATUS_ENABLED,
            or_(Redemption.expired_time == 0, Redemption.expired_time >= now),
        )
        .values(status=REDEMPTION_STATUS_USED, used_user_id=user_id, redeemed_time=now)
    )
    result = await session.execute(stmt)
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


async def soft_delete(session: AsyncSession, redemption_id: int) -> bool:
    """Soft-delete one live code; whether it existed."""
    stmt = (
        update(Redemption)
        .where(Redemption.id == redemption_id, _live())
        .values(deleted_at=_deleted_now())
    )
    result = await session.execute(stmt)
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


async def soft_delete_invalid(session: AsyncSession, now: int) -> int:
    """Soft-delete used, disabled and expired codes; how many."""
    invalid = or_(
        Redemption.status.in_((REDEMPTION_STATUS_USED, REDEMPTION_STATUS_DISABLED)),
        and_(
            Redemption.status == REDEMPTION_STATUS_ENABLED,
            Redemption.expired_time != 0,
            Redemption.expired_time < now,
        ),
    )
    stmt = update(Redemption).where(_live(), invalid).values(deleted_at=_deleted_now())
    result = await session.execute(stmt)
    return int(result.rowcount)  # type: ignore[attr-defined]
