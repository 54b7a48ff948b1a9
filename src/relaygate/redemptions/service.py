"""Redemption rules: batch limits, expiry checks, and redeeming a code exactly once."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.auth.deps import Caller
from relaygate.db.models.log import LOG_TYPE_TOPUP, Log
from relaygate.db.models.redemption import REDEMPTION_STATUS_ENABLED, Redemption
from relaygate.errors import ApiRefused
from relaygate.kit import clock
from relaygate.kit.envelope import Page
from relaygate.logs import repository as logs_repository
from relaygate.logs.service import quota_text
from relaygate.misc.paging import PageQuery
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.redemptions import repository
from relaygate.redemptions.schemas import RedemptionCreate, RedemptionPublic, RedemptionUpdate
from relaygate.users import repository as users_repository

MAX_BATCH = 100
NAME_MAX = 20


def _check_expiry(expired_time: int) -> None:
    if expired_time != 0 and expired_time < clock.now():
        raise ApiRefused("过期时间不能早于当前时间")


def _page(rows: list[Redemption], total: int, page: PageQuery) -> Page[RedemptionPublic]:
    items = [RedemptionPublic.model_validate(row) for row in rows]
    return Page[RedemptionPublic](
        page=page.page, page_size=page.page_size, total=total, items=items
    )


async def create_batch(session: AsyncSession, caller: Caller, body: RedemptionCreate) -> list[str]:
    """Issue ``count`` codes; return their keys (32 hex characters, as new-api's GetUUID)."""
    if not 0 < len(body.name) <= NAME_MAX:
        raise ApiRefused("兑换码名称长度必须在1-20之间")
    if body.count <= 0:
        raise ApiRefused("兑换码个数必须大于0")
    if body.count > MAX_BATCH:
        raise ApiRefused("一次兑换码批量生成的个数不能大于 100")
    _check_expiry(body.expired_time)
    now = clock.now()
    rows = [
        Redemption(
            user_id=caller.id,
            name=body.name,
            key=uuid.uuid4().hex,
            created_time=now,
            quota=body.quota,
            expired_time=body.expired_time,
        )
        for _ in range(body.count)
    ]
    await repository.add_many(session, rows)
    return [row.key for row in rows]


async def list_codes(
    session: AsyncSession, page: PageQuery, keyword: str | None = None
) -> Page[RedemptionPublic]:
    """A page of codes, newest first, optionally searched."""
    rows, total = await repository.list_page(
        session, offset=page.offset, limit=page.page_size, keyword=keyword
    )
    return _page(list(rows), total, page)


async def get_code(session: AsyncSession, redemption_id: int) -> RedemptionPublic:
    """One code."""
    row = await repository.get(session, redemption_id)
    if row is None:
        raise ApiRefused("兑换码不存在")
    return RedemptionPublic.model_validate(row)


async def update_code(
    session: AsyncSession, body: RedemptionUpdate, *, status_only: bool
) -> RedemptionPublic:
    """Edit a code: its status alone, or its name, quota and expiry."""
    row = await repository.get(session, body.id)
    if row is None:
        raise ApiRefused("兑换码不存在")
    if status_only:
        row.status = body.status
    else:
        _check_expiry(body.expired_time)
        row.name = body.name
        row.quota = body.quota
        row.expired_time = body.expired_time
    await session.flush()
    return RedemptionPublic.model_validate(row)


async def delete_code(session: AsyncSession, redemption_id: int) -> None:
    """Soft-delete one code."""
    if not await repository.soft_delete(session, redemption_id):
        raise ApiRefused("兑换码不存在")


async def delete_invalid(session: AsyncSession) -> int:
    """Soft-delete used, disabled and expired codes."""
    return await repository.soft_delete_invalid(session, clock.now())


async def redeem(session: AsyncSession, caller: Caller, key: str, options: OptionsSnapshot) -> int:
    """Credit the caller with a code's quota; return the quota.

    The conditional UPDATE in ``repository.claim`` comes first, so of concurrent redeems of one
    key exactly one credits; the others see the code used and are refused.
    """
    key = key.strip()
    if not key:
        raise ApiRefused("未提供兑换码")
    now = clock.now()
    if not await repository.claim(session, key, caller.id, now):
        row = await repository.get_by_key(session, key)
        if row is None:
            raise ApiRefused("无效的兑换码")
        if row.status != REDEMPTION_STATUS_ENABLED:
            raise ApiRefused("该兑换码已被使用")
        raise ApiRefused("该兑换码已过期")
    row = await repository.get_by_key(session, key)
    assert row is not None
    await users_repository.add_quota(session, caller.id, row.quota)
    await logs_repository.add(
        session,
        Log(
            user_id=caller.id,
            username=caller.username,
            type=LOG_TYPE_TOPUP,
            content=f"通过兑换码充值 {quota_text(row.quota, options)}，兑换码ID {row.id}",
            created_at=now,
        ),
    )
    return row.quota
