"""quota_data: hourly usage buckets recomputed from the consume rows the relay writes to ``logs``.

Recomputing a whole hour and upserting it is idempotent, so the same hour may be aggregated any
number of times, by the job or by a dashboard read, on any node. ``catch_up`` restarts one hour
before the newest bucket, which covers the hour still filling and ledger batches that land late.
"""

from __future__ import annotations

from relaygate.db.session import Database
from relaygate.errors import ApiRefused
from relaygate.kit import clock
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.stats import repository
from relaygate.stats.repository import HOUR
from relaygate.stats.schemas import QuotaDataPublic

SELF_MAX_RANGE = 2_592_000
"""A user may read at most 30 days at once (new-api)."""


def hour_of(timestamp: int) -> int:
    """The start of the hour containing ``timestamp``."""
    return timestamp - timestamp % HOUR


async def aggregate_hour(database: Database, hour_start: int) -> int:
    """Recompute one hour's buckets from logs; return how many buckets it has."""
    start = hour_of(hour_start)
    async with database.unit_of_work() as session:
        rows = await repository.summarise_logs(session, start, start + HOUR)
        await repository.upsert(session, rows)
        await repository.refresh_hours(session, start, start + HOUR)
    return len(rows)


_CATCH_UP_WINDOW = 24 * HOUR


async def catch_up(database: Database, now: int | None = None) -> int:
    """Aggregate every hour from just before the newest bucket through the current one.

    The job calls this every minute; reads call it too, so the current partial hour is fresh.
    A backlog (first run on an imported database) is worked through a day at a time, each day
    in its own short unit of work, so memory and lock time stay bounded.
    """
    now = clock.now() if now is None else now
    async with database.reader() as session:
        latest = await repository.latest_bucket(session)
        start = latest - HOUR if latest is not None else await repository.earliest_consume(session)
    if start is None:
        return 0
    total = 0
    window_start = hour_of(start)
    while window_start <= now:
        window_end = min(window_start + _CATCH_UP_WINDOW, now + 1)
        async with database.unit_of_work() as session:
            rows = await repository.summarise_logs(session, window_start, window_end)
            await repository.upsert(session, rows)
            await repository.refresh_hours(session, window_start, window_end)
        total += len(rows)
        window_start = window_end
    return total


async def _fresh(database: Database, options: OptionsSnapshot) -> None:
    if options.get("DataExportEnabled", "true") == "true":
        await catch_up(database)


async def all_dates(
    database: Database, options: OptionsSnapshot, start: int, end: int, username: str
) -> list[QuotaDataPublic]:
    """Admin view: one user's buckets when ``username`` is given, else per model and hour."""
    await _fresh(database, options)
    async with database.reader() as session:
        if username:
            rows = await repository.rows_for(session, start, end, username=username)
            return [QuotaDataPublic.model_validate(r) for r in rows]
        grouped = await repository.by_model(session, start, end)
    return [
        QuotaDataPublic(
            model_name=r["model_name"],
            created_at=int(r["created_at"]),
            count=int(r["count"]),
            quota=int(r["quota"]),
            token_used=int(r["token_used"]),
        )
        for r in grouped
    ]


async def dates_by_user(
    database: Database, options: OptionsSnapshot, start: int, end: int
) -> list[QuotaDataPublic]:
    """Admin view: buckets summed per username and hour."""
    await _fresh(database, options)
    async with database.reader() as session:
        grouped = await repository.by_username(session, start, end)
    return [
        QuotaDataPublic(
            username=r["username"],
            created_at=int(r["created_at"]),
            count=int(r["count"]),
            quota=int(r["quota"]),
            token_used=int(r["token_used"]),
        )
        for r in grouped
    ]


async def own_dates(
    database: Database, options: OptionsSnapshot, user_id: int, start: int, end: int
) -> list[QuotaDataPublic]:
    """The caller's buckets, at most 30 days at a time."""
    if end - start > SELF_MAX_RANGE:
        raise ApiRefused("时间跨度不能超过 1 个月")
    await _fresh(database, options)
    async with database.reader() as session:
        rows = await repository.rows_for(session, start, end, user_id=user_id)
    return [QuotaDataPublic.model_validate(r) for r in rows]
