"""Rate limits with the in-process backend: global API/web, critical routes, per-user search.

The app runs with small limits so each test crosses them in a handful of requests; clients
from other addresses (``from_ip``) show that limits are per IP, and /v1 is never limited.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from test_accounts_support import from_ip
from test_api_support import ok, setup_root

from relaygate.config import Settings
from relaygate.protection.limiter import MemoryLimiter
from relaygate.protection.middleware import Protection

LIMITS = {
    "GLOBAL_API_RATE_LIMIT": "30",
    "GLOBAL_API_RATE_LIMIT_DURATION": "60",
    "GLOBAL_WEB_RATE_LIMIT": "2",
    "GLOBAL_WEB_RATE_LIMIT_DURATION": "60",
    "CRITICAL_RATE_LIMIT": "5",
    "CRITICAL_RATE_LIMIT_DURATION": "60",
    "SEARCH_RATE_LIMIT": "2",
    "SEARCH_RATE_LIMIT_DURATION": "60",
}


@pytest.fixture
def app_settings(db_dsn: str, tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        SQL_DSN=db_dsn,
        DATA_DIR=str(tmp_path),
        SESSION_SECRET="relaygate-test-session-secret",
        REDIS_CONN_STRING=None,
        WEB_DIST=str(tmp_path / "no-web-dist"),
        **LIMITS,
    )


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["success"] is False
    assert body["message"]
    assert int(response.headers["retry-after"]) >= 1


async def test_critical_routes_per_ip(app_client: httpx.AsyncClient) -> None:
    await setup_root(app_client)  # one login from 127.0.0.1
    async with from_ip(app_client, "10.1.0.1") as client:
        wrong = {"username": "root", "password": "wrong-password"}
        for _ in range(5):
            assert (await client.post("/api/user/login", json=wrong)).status_code == 200
        assert_limited(await client.post("/api/user/login", json=wrong))
        # the critical group is shared: register and reset are limited too, other /api is not
        assert_limited(await client.post("/api/user/register", json={}))
        assert_limited(await client.post("/api/user/reset", json={}))
        await ok(await client.get("/api/status"))
    async with from_ip(app_client, "10.1.0.2") as other:
        assert (await other.post("/api/user/login", json=wrong)).status_code == 200


async def test_global_api_limit_spares_relay(app_client: httpx.AsyncClient) -> None:
    async with from_ip(app_client, "10.2.0.1") as client:
        for _ in range(30):
            assert (await client.get("/api/status")).status_code == 200
        assert_limited(await client.get("/api/status"))
        assert_limited(await client.get("/api/user/self"))
        for _ in range(40):  # the fast lane answers /v1 before any limit: 401, never 429
            assert (await client.get("/v1/models")).status_code == 401


async def test_global_web_limit(app_client: httpx.AsyncClient) -> None:
    async with from_ip(app_client, "10.3.0.1") as client:
        for _ in range(2):
            assert (await client.get("/console/page")).status_code != 429
        assert_limited(await client.get("/console/page"))
        await ok(await client.get("/api/status"))


async def test_search_limit_is_per_user() -> None:
    """The guard alone around a stub app, so only the limit is under test."""

    async def stub(scope: Scope, receive: Receive, send: Send) -> None:
        await Response("ok")(scope, receive, send)

    guard = Protection(stub, settings=Settings(_env_file=None, **LIMITS))  # type: ignore[call-arg]
    transport = httpx.ASGITransport(app=guard)
    alice = {"Authorization": "Bearer alice-token", "New-Api-User": "2"}
    bob = {"Authorization": "Bearer bob-token", "New-Api-User": "3"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def search(headers: dict[str, str]) -> httpx.Response:
            return await client.get("/api/log/self/search", headers=headers)

        for _ in range(2):
            assert (await search(alice)).status_code == 200
        assert_limited(await search(alice))
        # same IP, another user: their own budget. Naming alice in New-Api-User spends the
        # presented token's budget, so nobody can exhaust someone else's.
        assert (await search({**bob, "New-Api-User": "2"})).status_code == 200
        assert (await search(bob)).status_code == 200
        assert_limited(await search(bob))
        # anonymous searches are left to authentication; other paths pay only the global limit
        assert (await search({})).status_code == 200
        assert (await client.get("/api/log/self", headers=alice)).status_code == 200


def test_memory_limiter_sliding_log() -> None:
    now = [0.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    for t in (0.0, 1.0, 2.0):
        now[0] = t
        assert limiter.hit_now("k", 3, 10) == 0
    now[0] = 4.0
    assert limiter.hit_now("k", 3, 10) == pytest.approx(6)  # refusals are not recorded
    now[0] = 10.0
    assert limiter.hit_now("k", 3, 10) == 0  # the request at t=0 left the window
    assert limiter.hit_now("k", 3, 10) == pytest.approx(1)  # t=1 is still in it
    assert limiter.hit_now("other", 3, 10) == 0
    now[0] = 200.0
    assert limiter.hit_now("fresh", 3, 10) == 0
    assert "k" not in limiter._hits  # swept once idle past its window
