"""Wide log stats read the hourly quota_data buckets and match the plain sum of the rows exactly."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import insert

from relaygate.config import database_url
from relaygate.db.models.log import LOG_TYPE_CONSUME, LOG_TYPE_TOPUP, Log
from relaygate.db.session import Database
from relaygate.logs import repository, service
from relaygate.logs.schemas import LogFilter
from relaygate.stats import service as stats_service

HOUR = 3600
BASE = 1_790_000_000 - 1_790_000_000 % HOUR


async def test_rollup_stat_equals_the_row_sum(db_dsn: str) -> None:
    database = Database(database_url(db_dsn, Path("unused.db")))
    rng = random.Random(5)
    rows = []
    for index in range(600):
        created = BASE + rng.randrange(0, 30 * HOUR)
        rows.append(
            {
                "user_id": 1 + index % 3,
                "created_at": created,
                "type": LOG_TYPE_CONSUME if index % 7 else LOG_TYPE_TOPUP,
                "username": f"u{1 + index % 3}",
                "model_name": "m",
                "quota": rng.randrange(1, 500),
                "prompt_tokens": 1,
                "completion_tokens": 1,
                "content": "",
                "other": "",
            }
        )
    try:
        async with database.unit_of_work() as session:
            await session.execute(insert(Log), rows)
        await stats_service.catch_up(database, now=BASE + 31 * HOUR)
        cases = [
            LogFilter(),
            LogFilter(start_timestamp=BASE + 1234, end_timestamp=BASE + 20 * HOUR + 77),
            LogFilter(start_timestamp=BASE + 5 * HOUR, end_timestamp=BASE + 9 * HOUR),
            LogFilter(user_id=2, start_timestamp=BASE + 100),
            LogFilter(type=LOG_TYPE_CONSUME, end_timestamp=BASE + 12 * HOUR + 5),
        ]
        async with database.reader() as session:
            for filters in cases:
                fast = await service.stat(session, filters)
                plain, _, _ = await repository.stat(session, filters)
                assert fast.quota == plain, filters
                assert plain > 0
    finally:
        await database.dispose()


async def test_without_buckets_it_sums_the_rows(db_dsn: str) -> None:
    database = Database(database_url(db_dsn, Path("unused.db")))
    try:
        async with database.unit_of_work() as session:
            await session.execute(
                insert(Log),
                [
                    {
                        "user_id": 1,
                        "created_at": BASE + h * HOUR,
                        "type": LOG_TYPE_CONSUME,
                        "quota": 10,
                        "content": "",
                        "other": "",
                    }
                    for h in range(10)
                ],
            )
        async with database.reader() as session:
            assert (await service.stat(session, LogFilter())).quota == 100
    finally:
        await database.dispose()
