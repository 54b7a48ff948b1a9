"""SQL for the users table."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.user import ROLE_ROOT, User
from relaygate.kit import clock


def _live() -> list[ColumnElement[bool]]:
    return [User.deleted_at.is_(None)]


async def get(session: AsyncSession, user_id: int) -> User | None:
    """A user that is not deleted."""
    return (
        await session.execute(select(User).where(User.id == user_id, *_live()))
    ).scalar_one_or_none()


async def find_for_login(session: AsyncSession, login: str) -> User | None:
    """A live user whose username or email is ``login`` (never empty)."""
    stmt = (
        select(User)
        .where(or_(User.username == login, User.email == login), *_live())
        .order_by(User.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def root_exists(session: AsyncSession) -> bool:
    """Whether any root user exists (deleted or not, as new-api's ``RootUserExists``)."""
    stmt = select(User.id).where(User.role == ROLE_ROOT).limit(1)
    return (await session.execute(stmt)).first() is not None


async def username_taken(session: AsyncSession, username: str, *, except_id: int = 0) -> bool:
    """Whether another account (deleted ones included) already uses ``username``."""
    stmt = select(User.id).where(User.username == username, User.id != except_id).limit(1)
    return (await session.execute(stmt)).first() is not None


async def access_token_taken(session: AsyncSession, access_token: str) -> bool:
    """Whether an access token is already issued."""
    stmt = select(User.id).where(User.access_token == access_token).limit(1)
    return (await session.execute(stmt)).first() is not None


async def add(session: AsyncSession, user: User) -> User:
    """Insert a user and return it with its id."""
    if not user.created_at:
        user.created_at = clock.now()
    session.add(user)
    await session.flush()
    return user


async def list_page(
    session: AsyncSession, *, offset: int, limit: int, keyword: str = "", group: str = ""
) -> tuple[Sequence[User], int]:
    """Live users, newest first, optionally filtered by keyword and group; plus the total."""
    conditions: list[ColumnElement[bool]] = _live()
    if keyword:
        pattern = f"%{keyword}%"
        matches: list[ColumnElement[bool]] = [
            User.username.like(pattern),
            User.display_name.like(pattern),
            User.email.like(pattern),
        ]
        if keyword.isdigit():
            matches.append(User.id == int(keyword))
        conditions.append(or_(*matches))
    if group:
        conditions.append(User.group == group)
    total = (
        await session.execute(select(func.count()).select_from(User).where(*conditions))
    ).scalar_one()
    rows = (
        await session.execute(
            select(User).where(*conditions).order_by(User.id.desc()).offset(offset).limit(limit)
        )
    ).scalars()
    return rows.all(), int(total)


async def add_quota(session: AsyncSession, user_id: int, delta: int) -> None:
    """Add (or with a negative delta, remove) quota in one statement."""
    await session.execute(update(User).where(User.id == user_id).values(quota=User.quota + delta))


async def set_quota(session: AsyncSession, user_id: int, quota: int) -> int:
    """Overwrite the quota; return the previous value."""
    previous = (
        await session.execute(select(User.quota).where(User.id == user_id).with_for_update())
    ).scalar_one()
    await session.execute(update(User).where(User.id == user_id).values(quota=quota))
    return int(previous)


async def soft_delete(session: AsyncSession, user_id: int) -> None:
    """Mark a user deleted (new-api keeps the row so logs and usernames stay resolvable)."""
    await session.execute(
        update(User).where(User.id == user_id).values(deleted_at=clock.now(), access_token=None)
    )


async def hard_delete(session: AsyncSession, user_id: int) -> None:
    """Remove a user row."""
    await session.execute(delete(User).where(User.id == user_id))
