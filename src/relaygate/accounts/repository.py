"""SQL for self-service accounts: identity checks, affiliate quota, settings, check-ins."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.checkin import Checkin
from relaygate.db.models.user import User


async def identity_taken(session: AsyncSession, username: str, email: str) -> bool:
    """Whether any account, deleted ones included, has this username or (non-empty) email."""
    match = User.username == username
    if email:
        match = or_(match, User.email == email)
    return (await session.execute(select(User.id).where(match).limit(1))).first() is not None


async def email_taken(session: AsyncSession, email: str) -> bool:
    """Whether any account, deleted ones included, uses this email."""
    stmt = select(User.id).where(User.email == email).limit(1)
    return (await session.execute(stmt)).first() is not None


async def inviter_id(session: AsyncSession, aff_code: str) -> int:
    """The live user owning ``aff_code``, or 0."""
    stmt = select(User.id).where(User.aff_code == aff_code, User.deleted_at.is_(None)).limit(1)
    found = (await session.execute(stmt)).scalar_one_or_none()
    return int(found or 0)


async def aff_code_taken(session: AsyncSession, aff_code: str) -> bool:
    """Whether an affiliate code is already issued."""
    stmt = select(User.id).where(User.aff_code == aff_code).limit(1)
    return (await session.execute(stmt)).first() is not None


async def credit_inviter(session: AsyncSession, user_id: int, reward: int) -> None:
    """Count one more invitee and add ``reward`` to the inviter's affiliate balance and history."""
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            aff_count=User.aff_count + 1,
            aff_quota=User.aff_quota + reward,
            aff_history=User.aff_history + reward,
        )
    )


async def transfer_aff_quota(session: AsyncSession, user_id: int, quota: int) -> bool:
    """Move ``quota`` from affiliate balance to wallet in one statement; False if it is short."""
    stmt = (
        update(User)
        .where(User.id == user_id, User.deleted_at.is_(None), User.aff_quota >= quota)
        .values(aff_quota=User.aff_quota - quota, quota=User.quota + quota)
    )
    return getattr(await session.execute(stmt), "rowcount", 0) == 1


async def set_password_by_email(session: AsyncSession, email: str, password_hash: str) -> int:
    """Replace the password of the live accounts with this email; the number changed."""
    stmt = (
        update(User)
        .where(User.email == email, User.deleted_at.is_(None))
        .values(password=password_hash)
    )
    return int(getattr(await session.execute(stmt), "rowcount", 0) or 0)


async def ids_by_email(session: AsyncSession, email: str) -> list[int]:
    """Live accounts with this email."""
    stmt = select(User.id).where(User.email == email, User.deleted_at.is_(None))
    return [int(row) for row in (await session.execute(stmt)).scalars()]


async def checked_in(session: AsyncSession, user_id: int, day: str) -> bool:
    """Whether the user has a check-in row for ``day``."""
    stmt = select(Checkin.id).where(Checkin.user_id == user_id, Checkin.checkin_date == day)
    return (await session.execute(stmt.limit(1))).first() is not None


async def add_checkin(session: AsyncSession, row: Checkin) -> None:
    """Insert a check-in; the unique (user_id, checkin_date) index refuses a second one."""
    session.add(row)
    await session.flush()


async def checkins_between(
    session: AsyncSession, user_id: int, first: str, last: str
) -> Sequence[Checkin]:
    """The user's check-ins with ``first <= date <= last``, newest first."""
    stmt = (
        select(Checkin)
        .where(
            Checkin.user_id == user_id, Checkin.checkin_date >= first, Checkin.checkin_date <= last
        )
        .order_by(Checkin.checkin_date.desc())
    )
    return (await session.execute(stmt)).scalars().all()


async def checkin_totals(session: AsyncSession, user_id: int) -> tuple[int, int]:
    """All-time (count, quota awarded)."""
    stmt = select(func.count(Checkin.id), func.coalesce(func.sum(Checkin.quota_awarded), 0)).where(
        Checkin.user_id == user_id
    )
    count, total = (await session.execute(stmt)).one()
    return int(count), int(total)
