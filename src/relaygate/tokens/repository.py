"""SQL for the tokens table. Every lookup is scoped to the owning user."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, delete, false, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.log import Log
from relaygate.db.models.token import (
    TOKEN_STATUS_DISABLED,
    TOKEN_STATUS_ENABLED,
    TOKEN_STATUS_EXHAUSTED,
    TOKEN_STATUS_EXPIRED,
    Token,
)
from relaygate.db.models.user import User


@dataclass(frozen=True, slots=True)
class TokenSearch:
    """Search filters: LIKE patterns (already escaped with ``!``), group, effective status."""

    name_pattern: str = ""
    key_pattern: str = ""
    group: str = ""
    status: int = 0
    """0: any; otherwise the effective status (1 enabled, 2 disabled, 3 expired, 4 exhausted)."""


def _owned(user_id: int) -> list[ColumnElement[bool]]:
    return [Token.user_id == user_id, Token.deleted_at.is_(None)]


def effective_status_condition(status: int, now: int) -> ColumnElement[bool]:
    """SQL for "effective status is ``status``", the same rules as service.effective_status."""
    usable_stored = or_(
        Token.status == TOKEN_STATUS_ENABLED,
        and_(Token.status == TOKEN_STATUS_EXHAUSTED, Token.unlimited_quota.is_(True)),
    )
    not_expired = or_(Token.expired_time == -1, Token.expired_time >= now)
    if status == TOKEN_STATUS_ENABLED:
        has_quota = or_(Token.unlimited_quota.is_(True), Token.remain_quota > 0)
        return and_(usable_stored, not_expired, has_quota)
    if status == TOKEN_STATUS_DISABLED:
        return not_(
            Token.status.in_([TOKEN_STATUS_ENABLED, TOKEN_STATUS_EXPIRED, TOKEN_STATUS_EXHAUSTED])
        )
    if status == TOKEN_STATUS_EXPIRED:
        return or_(
            Token.status == TOKEN_STATUS_EXPIRED,
            and_(usable_stored, Token.expired_time != -1, Token.expired_time < now),
        )
    if status == TOKEN_STATUS_EXHAUSTED:
        return or_(
            and_(Token.status == TOKEN_STATUS_EXHAUSTED, Token.unlimited_quota.is_(False)),
            and_(
                Token.status == TOKEN_STATUS_ENABLED,
                not_expired,
                Token.unlimited_quota.is_(False),
                Token.remain_quota <= 0,
            ),
        )
    return false()


async def get_owned(session: AsyncSession, token_id: int, user_id: int) -> Token | None:
    """A live token by id, only if ``user_id`` owns it."""
    stmt = select(Token).where(Token.id == token_id, *_owned(user_id))
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_by_key(session: AsyncSession, key: str) -> Token | None:
    """A live token by its key (without ``sk-``)."""
    stmt = select(Token).where(Token.key == key, Token.deleted_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


async def key_taken(session: AsyncSession, key: str) -> bool:
    """Whether a key is already issued (deleted tokens included: keys are unique)."""
    return (
        await session.execute(select(Token.id).where(Token.key == key).limit(1))
    ).first() is not None


async def count_owned(session: AsyncSession, user_id: int, *, lock_user: bool = False) -> int:
    """How many tokens a user holds; ``lock_user`` serializes concurrent creations
    (``SELECT … FOR UPDATE`` on the user row where the database supports it)."""
    if lock_user:
        await session.execute(select(User.id).where(User.id == user_id).with_for_update())
    stmt = select(func.count()).select_from(Token).where(*_owned(user_id))
    return int((await session.execute(stmt)).scalar_one())


async def add(session: AsyncSession, token: Token) -> Token:
    """Insert a token and return it with its id."""
    session.add(token)
    await session.flush()
    return token


async def list_page(
    session: AsyncSession,
    user_id: int,
    search: TokenSearch,
    *,
    offset: int,
    limit: int,
    now: int,
    count_limit: int | None = None,
) -> tuple[Sequence[Token], int]:
    """A user's tokens, newest first, matching ``search``; plus the total (capped at
    ``count_limit`` so a huge account never costs a full count)."""
    conditions = _owned(user_id)
    if search.name_pattern:
        conditions.append(Token.name.like(search.name_pattern, escape="!"))
    if search.key_pattern:
        conditions.append(Token.key.like(search.key_pattern, escape="!"))
    if search.group:
        conditions.append(Token.group == search.group)
    if search.status:
        conditions.append(effective_status_condition(search.status, now))
    matching = select(Token.id).where(*conditions)
    if count_limit is not None:
        matching = matching.limit(count_limit)
    total = (
        await session.execute(select(func.count()).select_from(matching.subquery()))
    ).scalar_one()
    rows = await session.execute(
        select(Token).where(*conditions).order_by(Token.id.desc()).offset(offset).limit(limit)
    )
    return rows.scalars().all(), int(total)


async def status_counts(session: AsyncSession, user_id: int, now: int) -> tuple[int, ...]:
    """(total, enabled, expired, exhausted) over all of a user's tokens."""

    def counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = (
        await session.execute(
            select(
                func.count(),
                counted(effective_status_condition(TOKEN_STATUS_ENABLED, now)),
                counted(effective_status_condition(TOKEN_STATUS_EXPIRED, now)),
                counted(effective_status_condition(TOKEN_STATUS_EXHAUSTED, now)),
            )
            .select_from(Token)
            .where(*_owned(user_id))
        )
    ).one()
    return tuple(int(value or 0) for value in row)


async def owned_many(
    session: AsyncSession, user_id: int, token_ids: Sequence[int]
) -> Sequence[Token]:
    """The user's tokens among ``token_ids`` (others' ids are silently left out)."""
    if not token_ids:
        return []
    rows = await session.execute(
        select(Token).where(Token.id.in_(list(token_ids)), *_owned(user_id)).order_by(Token.id)
    )
    return rows.scalars().all()


async def delete_owned(session: AsyncSession, token: Token) -> None:
    """Remove a token row.

    new-api soft-deletes; relaygate removes the row so a deleted key can never authenticate,
    whatever a cache or query forgets to filter.
    """
    await session.execute(delete(Token).where(Token.id == token.id, Token.user_id == token.user_id))


async def delete_many_owned(session: AsyncSession, user_id: int, token_ids: Sequence[int]) -> None:
    """Remove these tokens of one user."""
    await session.execute(
        delete(Token).where(Token.id.in_(list(token_ids)), Token.user_id == user_id)
    )


async def keys_for_user(session: AsyncSession, user_id: int) -> list[str]:
    """Every key a user holds, so the relay's key cache can drop them."""
    rows = await session.execute(select(Token.key).where(Token.user_id == user_id))
    return [key for (key,) in rows]


async def delete_for_user(session: AsyncSession, user_id: int) -> None:
    """Remove all of a user's tokens."""
    await session.execute(delete(Token).where(Token.user_id == user_id))


async def recent_logs(session: AsyncSession, token_id: int, *, limit: int) -> Sequence[Log]:
    """The newest log rows written for one token."""
    rows = await session.execute(
        select(Log).where(Log.token_id == token_id).order_by(Log.id.desc()).limit(limit)
    )
    return rows.scalars().all()
