"""Quota SQL: the reservation is one conditional UPDATE per balance, so concurrency cannot overdraw.

Settlement is batched by the ledger (billing/ledger.py) together with the log rows.
billing/quota_store.py picks the fastest correct path per dialect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from relaygate.db.models.channel import Channel
from relaygate.db.models.log import Log
from relaygate.db.models.token import Token
from relaygate.db.models.user import User
from relaygate.errors import InsufficientQuota


def token_short() -> InsufficientQuota:
    """The token cannot afford the reservation."""
    return InsufficientQuota(
        "该令牌额度不足 (token quota is not enough for this request)",
        code="pre_consume_token_quota_failed",
    )


def user_short() -> InsufficientQuota:
    """The user cannot afford the reservation."""
    return InsufficientQuota(
        "用户额度不足 (user quota is not enough for this request)", code="insufficient_user_quota"
    )


_tokens = cast(Table, Token.__table__)
_users = cast(Table, User.__table__)
_channels = cast(Table, Channel.__table__)
_logs = cast(Table, Log.__table__)


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
            raise token_short()
    user_update = (
        update(_users)
        .where(_users.c.id == user_id, _users.c.quota >= amount)
        .values(quota=_users.c.quota - amount)
    )
    if (await connection.execute(user_update)).rowcount != 1:
        raise user_short()


_USER_SETTLE = (
    update(_users)
    .where(_users.c.id == bindparam("b_id"))
    .values(
        quota=_users.c.quota + bindparam("b_refund"),
        used_quota=_users.c.used_quota + bindparam("b_used"),
        request_count=_users.c.request_count + bindparam("b_count"),
    )
)
_TOKEN_SETTLE = (
    update(_tokens)
    .where(_tokens.c.id == bindparam("b_id"))
    .values(
        remain_quota=_tokens.c.remain_quota + bindparam("b_refund"),
        used_quota=_tokens.c.used_quota + bindparam("b_used"),
        accessed_time=bindparam("b_now"),
    )
)
_CHANNEL_SETTLE = (
    update(_channels)
    .where(_channels.c.id == bindparam("b_id"))
    .values(used_quota=_channels.c.used_quota + bindparam("b_used"))
)

Rows = Sequence[dict[str, Any]]


async def apply_settlements(
    connection: AsyncConnection, users: Rows, tokens: Rows, channels: Rows, logs: Rows
) -> None:
    """One batch of balance corrections and log rows (executemany each), in the caller's transaction."""
    if users:
        await connection.execute(_USER_SETTLE, list(users))
    if tokens:
        await connection.execute(_TOKEN_SETTLE, list(tokens))
    if channels:
        await connection.execute(_CHANNEL_SETTLE, list(channels))
    if logs:
        await connection.execute(insert(_logs), list(logs))
