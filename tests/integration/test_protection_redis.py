"""Rate limits and verification codes in a real Redis: shared by every node, sliding window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from test_accounts_support import from_ip

from relaygate.accounts.verification import CodeStore
from relaygate.app import create_app
from relaygate.config import Settings
from relaygate.protection.limiter import MemoryLimiter, RedisLimiter

pytestmark = pytest.mark.redis


@pytest.fixture
def app_settings(db_dsn: str, tmp_path: Path, fresh_redis_url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        SQL_DSN=db_dsn,
        DATA_DIR=str(tmp_path),
        SESSION_SECRET="relaygate-test-session-secret",
        REDIS_CONN_STRING=fresh_redis_url,
        WEB_DIST=str(tmp_path / "no-web-dist"),
        CRITICAL_RATE_LIMIT="3",
        CRITICAL_RATE_LIMIT_DURATION="60",
    )


@pytest.fixture
async def redis(fresh_redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(fresh_redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def test_nodes_share_the_critical_limit(
    app_client: httpx.AsyncClient, app_settings: Settings, redis: Redis
) -> None:
    second = create_app(app_settings)
    wrong = {"username": "nobody", "password": "wrong-password"}
    async with second.router.lifespan_context(second):
        node_b = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=second, client=("10.9.0.1", 1)),
            base_url="http://testserver",
        )
        async with from_ip(app_client, "10.9.0.1") as node_a, node_b:
            assert (await node_a.post("/api/user/login", json=wrong)).status_code == 200
            assert (await node_b.post("/api/user/login", json=wrong)).status_code == 200
            assert (await node_a.post("/api/user/login", json=wrong)).status_code == 200
            limited = await node_b.post("/api/user/login", json=wrong)
            assert limited.status_code == 429
            assert limited.json()["success"] is False
    assert await redis.llen("rateLimit:CT:10.9.0.1") == 3
    assert 0 < await redis.ttl("rateLimit:CT:10.9.0.1") <= 61
    assert await redis.llen("rateLimit:GA:10.9.0.1") == 4


async def test_redis_sliding_window(redis: Redis) -> None:
    limiter = RedisLimiter(redis, MemoryLimiter())
    assert [await limiter.hit("rateLimit:T:x", 2, 1) for _ in range(2)] == [0, 0]
    wait = await limiter.hit("rateLimit:T:x", 2, 1)
    assert 0 < wait <= 1
    assert await redis.llen("rateLimit:T:x") == 2  # refusals are not recorded
    await asyncio.sleep(wait + 0.05)
    assert await limiter.hit("rateLimit:T:x", 2, 1) == 0
    # concurrent hits never let more than the limit through
    results = await asyncio.gather(*(limiter.hit("rateLimit:T:y", 5, 60) for _ in range(20)))
    assert sum(1 for r in results if r == 0) == 5


async def test_redis_limiter_falls_back_to_memory() -> None:
    broken = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    try:
        limiter = RedisLimiter(broken, MemoryLimiter())
        assert await limiter.hit("k", 1, 60) == 0
        assert await limiter.hit("k", 1, 60) > 0
    finally:
        await broken.aclose()


async def test_codes_live_in_redis(redis: Redis) -> None:
    node_a, node_b = CodeStore(redis), CodeStore(redis)
    await node_a.put("v", "a@example.com", "abc123")
    assert await redis.get("verification:v:a@example.com") == b"abc123"
    assert 0 < await redis.ttl("verification:v:a@example.com") <= 600
    assert await node_b.check("v", "a@example.com", "abc123")
    assert not await node_b.check("v", "a@example.com", "abc124")
    assert not await node_b.check("r", "a@example.com", "abc123")
    await node_b.delete("v", "a@example.com")
    assert not await node_a.check("v", "a@example.com", "abc123")
