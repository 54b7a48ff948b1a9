"""SQL for the tokens table. Every lookup is scoped to the owning user."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.token import Token


def _owned(user_id: int) -> list[ColumnElement[bool]]:
    return [Token.user_id == user_id, Token.deleted_at.is_(None)]


async def get_owned(session: AsyncSession, token_id: int, user_id: int) -> Token | None:
    """A live token by id, only if ``user_id`` owns it."""
    stmt = select(Token).where(Token.id == token_id, *_owned(user_id))
    return (await session.execute(stmt)).scalar_one_or_none()


async def key_taken(session: AsyncSession, key: str) -> bool:
    """Whether a key is already issued (deleted tokens included: keys are unique)."""
    return (
        await session.execute(select(Token.id).where(Token.key == key).limit(1))
    ).first() is not None


async def add(session: AsyncSession, token: Token) -> Token:
    """Insert a token and return it with its id."""
    session.add(token)
    await session.flush()
    return token


async def list_page(
    session: AsyncSession,
    user_id: int,
    *,
    offset: int,
    limit: int,
    keyword: str = "",
    key: str = "",
    group: str = "",
) -> tuple[Sequence[Token], int]:
    """A user's tokens, newest first, filtered by name keyword, exact key or group; plus the total."""
    conditions = _owned(user_id)
    if keyword:
        conditions.append(Token.name.like(f"%{keyword}%"))
    if key:
        conditions.append(Token.key == key)
    if group:
        conditions.append(Token.group == group)
    total = (
        await session.execute(select(func.count()).select_from(Token).where(*conditions))
    ).scalar_one()
    rows = await session.execute(
        select(Token).where(*conditions).order_by(Token.id.desc()).offset(offset).limit(limit)
    )
    return rows.scalars().all(), int(total)


async def delete_owned(session: AsyncSession, token: Token) -> None:
    """Remove a token row.

    new-api soft-deletes; relaygate removes the row so a deleted key can never authenticate,
    whatever a cache or query forgets to filter.
    """
    await session.execute(delete(Token).where(Token.id == token.id, Token.user_id == token.user_id))


async def keys_for_user(session: AsyncSession, user_id: int) -> list[str]:
    """Every key a user holds, so the relay's key cache can drop them."""
    rows = await session.execute(select(Token.key).where(Token.user_id == user_id))
    return [key for (key,) in rows]


async def delete_for_user(session: AsyncSession, user_id: int) -> None:
    """Remove all of a user's tokens."""
    await session.execute(delete(Token).where(Token.user_id == user_id))
