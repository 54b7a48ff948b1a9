"""The SQLite quota store waits for a busy database on the event loop, never inside sqlite3."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import text

from relaygate.billing.quota_store import SqliteQuotaStore
from relaygate.db.migrate import upgrade_to_head
from relaygate.db.session import Database


async def _database(tmp_path: Path) -> tuple[Database, Path]:
    path = tmp_path / "quota.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade_to_head(database)
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO users (id, username, password, display_name, role, status, email, github_id, discord_id, oidc_id, wechat_id, telegram_id, linux_do_id, quota, used_quota, request_count, \"group\", aff_count, aff_quota, aff_history, inviter_id, setting, remark, stripe_customer, created_at, last_login_at) VALUES (1, 'u', 'x', '', 1, 1, '', '', '', '', '', '', '', 1000, 0, 0, 'default', 0, 0, 0, 0, '', '', '', 0, 0)"
            )
        )
    return database, path


async def test_reserve_yields_while_an_async_writer_holds_the_lock(tmp_path: Path) -> None:
    database, path = await _database(tmp_path)
    store = SqliteQuotaStore(str(path))
    try:
        async with database.engine.begin() as connection:
            # an aiosqlite transaction holds the write lock across an await, as any /api write can
            await connection.execute(text("UPDATE users SET remark = 'busy' WHERE id = 1"))
            reservation = asyncio.create_task(
                store.reserve(user_id=1, token_id=0, unlimited=True, amount=100)
            )
            started = time.monotonic()
            await asyncio.sleep(0.2)
            # the loop kept running (the old blocking busy_timeout froze it for 10 s)
            assert time.monotonic() - started < 1.0
            assert not reservation.done()
        await asyncio.wait_for(reservation, 5)
        async with database.engine.connect() as connection:
            quota = (
                await connection.execute(text("SELECT quota FROM users WHERE id = 1"))
            ).scalar_one()
        assert quota == 900
    finally:
        store.close()
        await database.dispose()


async def test_settle_also_waits_on_the_loop(tmp_path: Path) -> None:
    database, path = await _database(tmp_path)
    store = SqliteQuotaStore(str(path))
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("UPDATE users SET remark = 'busy' WHERE id = 1"))
            settling = asyncio.create_task(
                store.settle([{"b_id": 1, "b_refund": 5, "b_used": 7, "b_count": 1}], [], [], [])
            )
            await asyncio.sleep(0.1)
            assert not settling.done()
        await asyncio.wait_for(settling, 5)
        async with database.engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT quota, used_quota, request_count FROM users WHERE id = 1")
                )
            ).one()
        assert tuple(row) == (1005, 7, 1)
    finally:
        store.close()
        await database.dispose()
