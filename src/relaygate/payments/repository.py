"""SQL for the top_ups table."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.topup import (
    TOPUP_STATUS_EXPIRED,
    TOPUP_STATUS_PENDING,
    TOPUP_STATUS_SUCCESS,
    TopUp,
)
from relaygate.db.models.user import User

SEARCH_COUNT_LIMIT = 10_000


async def add(session: AsyncSession, row: TopUp) -> TopUp:
    """Insert an order."""
    session.add(row)
    await session.flush()
    return row


async def get_by_trade_no(session: AsyncSession, trade_no: str) -> TopUp | None:
    """An order by our trade number."""
    stmt = select(TopUp).where(TopUp.trade_no == trade_no)
    return (await session.execute(stmt)).scalar_one_or_none()


async def mark_success(
    session: AsyncSession, trade_no: str, now: int, *, provider: str | None
) -> bool:
    """Move a pending order to success in one conditional UPDATE; whether this call did it.

    Any number of concurrent callbacks, replays and admin completions race here and exactly one
    wins, so the quota is credited once. It is the unit of work's first statement on purpose.
    """
    conditions: list[ColumnElement[bool]] = [
        TopUp.trade_no == trade_no,
        TopUp.status == TOPUP_STATUS_PENDING,
    ]
    if provider is not None:
        conditions.append(TopUp.payment_provider == provider)
    stmt = update(TopUp).where(*conditions).values(status=TOPUP_STATUS_SUCCESS, complete_time=now)
    return int((await session.execute(stmt)).rowcount) == 1  # type: ignore[attr-defined]


async def mark_pending_as(
    session: AsyncSession, trade_no: str, status: str, *, provider: str
) -> bool:
    """Move a pending order to ``failed`` or ``expired``."""
    stmt = (
        update(TopUp)
        .where(
            TopUp.trade_no == trade_no,
            TopUp.status == TOPUP_STATUS_PENDING,
            TopUp.payment_provider == provider,
        )
        .values(status=status)
    )
    return int((await session.execute(stmt)).rowcount) == 1  # type: ignore[attr-defined]


async def set_gateway_trade_no(session: AsyncSession, trade_no: str, gateway_trade_no: str) -> None:
    """Remember the gateway's id for an order (Stripe's session id)."""
    await session.execute(
        update(TopUp).where(TopUp.trade_no == trade_no).values(gateway_trade_no=gateway_trade_no)
    )


async def set_payment_method(session: AsyncSession, topup_id: int, method: str) -> None:
    """Record the payment type the gateway says was actually used."""
    await session.execute(update(TopUp).where(TopUp.id == topup_id).values(payment_method=method))


async def set_stripe_customer(session: AsyncSession, user_id: int, customer_id: str) -> None:
    """Remember the user's Stripe customer id for the next checkout."""
    await session.execute(
        update(User).where(User.id == user_id).values(stripe_customer=customer_id)
    )


async def set_email_if_empty(session: AsyncSession, user_id: int, email: str) -> None:
    """Fill a user's email from the payment provider when the account has none."""
    await session.execute(
        update(User)
        .where(User.id == user_id, or_(User.email == "", User.email.is_(None)))
        .values(email=email)
    )


def _keyword(keyword: str) -> ColumnElement[bool]:
    pattern = "%" + keyword.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
    return TopUp.trade_no.like(pattern, escape="!")


async def list_page(
    session: AsyncSession,
    *,
    offset: int,
    limit: int,
    keyword: str = "",
    user_id: int | None = None,
    since: int = 0,
) -> tuple[Sequence[TopUp], int]:
    """Orders newest first. For a user: only finished ones (not pending/expired) since ``since``."""
    conditions: list[ColumnElement[bool]] = []
    if user_id is not None:
        conditions += [
            TopUp.user_id == user_id,
            TopUp.status.not_in((TOPUP_STATUS_PENDING, TOPUP_STATUS_EXPIRED)),
            TopUp.create_time >= since,
            or_(TopUp.amount > 0, TopUp.money > 0),
        ]
    if keyword:
        conditions.append(_keyword(keyword))
    counted = select(TopUp.id).where(*conditions).limit(SEARCH_COUNT_LIMIT).subquery()
    total = (await session.execute(select(func.count()).select_from(counted))).scalar_one()
    rows = (
        await session.execute(
            select(TopUp).where(*conditions).order_by(TopUp.id.desc()).offset(offset).limit(limit)
        )
    ).scalars()
    return rows.all(), int(total)
