"""quota_data: hourly aggregation from consume logs, idempotent re-runs, and the /api/data filters."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from test_api_support import create_user, ok, refused, runtime_of, setup_root

from relaygate.db.models.log import LOG_TYPE_CONSUME, LOG_TYPE_TOPUP, Log
from relaygate.db.models.quota_data import QuotaData
from relaygate.kit import clock
from relaygate.stats import service

HOUR = 3600


async def _logs(client: httpx.AsyncClient, rows: list[Log]) -> None:
    async with runtime_of(client).database.unit_of_work() as session:
        session.add_all(rows)


def _consume(user_id: int, username: str, model: str, at: int, quota: int, p: int, c: int) -> Log:
    return Log(
        user_id=user_id,
        username=username,
        model_name=model,
        created_at=at,
        type=LOG_TYPE_CONSUME,
        quota=quota,
        prompt_tokens=p,
        completion_tokens=c,
    )


async def _buckets(client: httpx.AsyncClient) -> list[tuple[int, str, int, int, int, int]]:
    async with runtime_of(client).database.reader() as session:
        rows = (await session.execute(select(QuotaData))).scalars().all()
    return sorted(
        (r.user_id, r.model_name, r.created_at, r.count, r.quota, r.token_used) for r in rows
    )


async def test_aggregate_hour_numbers_and_idempotence(app_client: httpx.AsyncClient) -> None:
    await setup_root(app_client)
    database = runtime_of(app_client).database
    h0 = clock.now() - clock.now() % HOUR - 5 * HOUR
    await _logs(
        app_client,
        [
            _consume(2, "alice", "gpt-4o", h0 + 10, 100, 10, 5),
            _consume(2, "alice", "gpt-4o", h0 + 3599, 50, 1, 1),
            _consume(2, "alice", "claude", h0 + 20, 7, 3, 4),
            _consume(3, "bob", "gpt-4o", h0 + 30, 1000, 100, 0),
            _consume(2, "alice", "gpt-4o", h0 + HOUR, 9, 9, 9),  # next hour
            Log(user_id=2, username="alice", type=LOG_TYPE_TOPUP, created_at=h0 + 40, quota=5),
        ],
    )
    assert await service.aggregate_hour(database, h0 + 123) == 3
    expected = [
        (2, "claude", h0, 1, 7, 7),
        (2, "gpt-4o", h0, 2, 150, 17),
        (3, "gpt-4o", h0, 1, 1000, 100),
    ]
    assert await _buckets(app_client) == expected
    assert await service.aggregate_hour(database, h0) == 3
    assert await _buckets(app_client) == expected  # re-run overwrites, never doubles

    # A late ledger row for that hour is picked up by the next run.
    await _logs(app_client, [_consume(3, "bob", "gpt-4o", h0 + 100, 1, 1, 1)])
    await service.aggregate_hour(database, h0)
    assert (3, "gpt-4o", h0, 2, 1001, 102) in await _buckets(app_client)

    # catch_up covers the following hours in one pass, and is idempotent too.
    await service.catch_up(database)
    await service.catch_up(database)
    assert (2, "gpt-4o", h0 + HOUR, 1, 9, 18) in await _buckets(app_client)
    assert len(await _buckets(app_client)) == 4


async def test_data_routes_and_filters(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    bob = await create_user(app_client, root, "bob")
    now = clock.now()
    current = now - now % HOUR
    h0 = current - 3 * HOUR
    await _logs(
        app_client,
        [
            _consume(alice.id, "alice", "gpt-4o", h0 + 1, 100, 10, 10),
            _consume(bob.id, "bob", "gpt-4o", h0 + 2, 300, 30, 0),
            _consume(bob.id, "bob", "claude", h0 + HOUR + 5, 40, 4, 4),
            _consume(alice.id, "alice", "gpt-4o", current + 1, 5, 1, 1),
        ],
    )
    # The admin view groups by model and hour; the current partial hour is aggregated on read.
    query = f"start_timestamp={h0}&end_timestamp={now + HOUR}&default_time=hour"
    grouped = await ok(await app_client.get(f"/api/data/?{query}", headers=root.headers))
    summary = sorted((r["model_name"], r["created_at"], r["count"], r["quota"]) for r in grouped)
    assert summary == [
        ("claude", h0 + HOUR, 1, 40),
        ("gpt-4o", h0, 2, 400),
        ("gpt-4o", current, 1, 5),
    ]
    assert all(r["username"] == "" and r["user_id"] == 0 for r in grouped)
    no_slash = await ok(await app_client.get(f"/api/data?{query}", headers=root.headers))
    assert len(no_slash) == 3

    # A new call in the current hour shows up on the next read.
    await _logs(app_client, [_consume(alice.id, "alice", "gpt-4o", current + 2, 6, 1, 1)])
    mine = await ok(await app_client.get(f"/api/data/self?{query}", headers=alice.headers))
    assert sorted((r["created_at"], r["count"], r["quota"]) for r in mine) == [
        (h0, 1, 100),
        (current, 2, 11),
    ]
    assert {r["username"] for r in mine} == {"alice"}

    by_name = await ok(
        await app_client.get(f"/api/data/?username=bob&{query}", headers=root.headers)
    )
    assert sorted((r["model_name"], r["quota"]) for r in by_name) == [
        ("claude", 40),
        ("gpt-4o", 300),
    ]
    window = await ok(
        await app_client.get(
            f"/api/data/?start_timestamp={h0 + HOUR}&end_timestamp={h0 + HOUR}",
            headers=root.headers,
        )
    )
    assert [(r["model_name"], r["quota"]) for r in window] == [("claude", 40)]
    users = await ok(await app_client.get(f"/api/data/users?{query}", headers=root.headers))
    assert sorted((r["username"], r["created_at"], r["quota"]) for r in users) == [
        ("alice", h0, 100),
        ("alice", current, 11),
        ("bob", h0, 300),
        ("bob", h0 + HOUR, 40),
    ]

    assert "权限不足" in refused(await app_client.get(f"/api/data/?{query}", headers=alice.headers))
    too_long = f"start_timestamp={now - 40 * 86400}&end_timestamp={now}"
    assert "1 个月" in refused(
        await app_client.get(f"/api/data/self?{too_long}", headers=alice.headers)
    )
