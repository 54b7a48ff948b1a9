"""Quota SQL: the reservation is one conditional UPDATE per balance, so concurrency cannot overdraw.

Settlement is batched by the ledger (billing/ledger.py) together with the log rows.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncConnection

from relaygate.db.models.token import Token
from relaygate.db.models.user import User
from relaygate.errors import InsufficientQuota

_tokens = cast(Table, Token.__table__)
_users = cast(Table, User.__table__)


async def reserve(
    connection: AsyncConnection, *, user_id: int, token_id: int, unlimited: bool, amount: int
) -> None:
    """Take ``amount`` from the token (unless unlimited) and the user, or neither.

    Raises InsufficientQuota when either balance is below ``amount``; the caller's
    transaction rolls the token's decrement back in that case. Core statements on a bare
    connection: this runs on every request, and an ORM session would only add overhead.
    """
    if amount <= 0:
        return
    if not unlimited:
        token_update = (
            update(_tokens)
            .where(_tokens.c.id == token_id, _tokens.c.remain_quota >= amount)
            .values(remain_quota=_tokens.c.remain_quota - amount)
        )
        if (await connection.execute(token_update)).rowcount != 1:
            raise InsufficientQuota(
                "该令牌额度不足 (token quota is not enough for this request)",
                code="pre_consume_token_quota_failed",
            )
    user_update = (
        update(_users)
        .where(_users.c.id == user_id, _users.c.quota >= amount)
        .values(quota=_users.c.quota - amount)
    )
    if (await connection.execute(user_update)).rowcount != 1:
        raise InsufficientQuota(
            "用户额度不足 (user quota is not enough for this request)",
            code="insufficient_user_quota",
        )
