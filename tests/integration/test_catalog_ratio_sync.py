"""Ratio export (/api/ratio_config) and ratio sync against other instances served over real HTTP.

The upstreams are a local aiohttp server: one path replays what this very app exposes at
/api/ratio_config (so the export and the sync parser meet), others answer new-api's
/api/pricing list shape, OpenRouter's model list, an error and a non-JSON body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from test_api_support import create_user, ok, refused, runtime_of, setup_root

from relaygate.catalog import ratio_sync
from relaygate.db.models.channel import Channel
from relaygate.kit import jsonx


@pytest.fixture
async def upstream() -> AsyncIterator[dict[str, Any]]:
    """A local HTTP server; tests put response bodies into ``state["bodies"][path]``."""
    state: dict[str, Any] = {"bodies": {}, "auth": {}}

    async def handler(request: web.Request) -> web.Response:
        state["auth"][request.path] = request.headers.get("Authorization", "")
        body = state["bodies"].get(request.path)
        if body is None:
            return web.Response(status=404, text="not found")
        if isinstance(body, bytes):
            return web.Response(body=body, content_type="text/plain")
        return web.json_response(body)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state["base"] = f"http://127.0.0.1:{port}"
    try:
        yield state
    finally:
        await runner.cleanup()


async def test_ratio_config_is_exposed_only_when_enabled(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    closed = await app_client.get("/api/ratio_config")
    assert closed.status_code == 403
    assert closed.json() == {"success": False, "message": "倍率配置接口未启用"}
    await ok(
        await app_client.put(
            "/api/option/", json={"key": "ExposeRatioEnabled", "value": True}, headers=root.headers
        )
    )
    data = await ok(await app_client.get("/api/ratio_config"))
    assert set(data) == {
        "model_ratio",
        "group_ratio",
        "completion_ratio",
        "cache_ratio",
        "create_cache_ratio",
        "model_price",
    }
    assert data["model_ratio"]["gpt-4o"] == 1.25
    assert data["model_price"]["dall-e-3"] == 0.04


async def test_fetch_compares_instances_and_reports_each_upstream(
    app_client: httpx.AsyncClient, upstream: dict[str, Any]
) -> None:
    root = await setup_root(app_client)
    await ok(
        await app_client.put(
            "/api/option/", json={"key": "ExposeRatioEnabled", "value": True}, headers=root.headers
        )
    )
    # "twin" replays our own export, changed in two places
    twin = (await app_client.get("/api/ratio_config")).json()
    twin["data"]["model_ratio"]["gpt-4o"] = 2.5
    twin["data"]["model_ratio"]["brand-new"] = 3
    upstream["bodies"]["/twin/api/ratio_config"] = twin
    upstream["bodies"]["/list/api/pricing"] = {
        "success": True,
        "data": [
            {"model_name": "gpt-4o", "quota_type": 0, "model_ratio": 1.25, "completion_ratio": 5},
            {"model_name": "dall-e-3", "quota_type": 1, "model_price": 0.08},
            {"model_name": "unpriced", "quota_type": 0, "model_ratio": 37.5, "completion_ratio": 1},
        ],
    }
    upstream["bodies"]["/junk/api/pricing"] = b"<html>nope</html>"
    base = upstream["base"]
    body = {
        "upstreams": [
            {"name": "twin", "base_url": f"{base}/twin/", "endpoint": "/api/ratio_config"},
            {"name": "list", "base_url": f"{base}/list"},
            {"name": "gone", "base_url": f"{base}/gone"},
            {"name": "junk", "base_url": f"{base}/junk"},
            {"name": "ignored", "base_url": "ftp://example.invalid"},
        ],
        "timeout": 5,
    }
    result = await ok(
        await app_client.post("/api/ratio_sync/fetch", json=body, headers=root.headers)
    )
    tests = {item["name"]: item for item in result["test_results"]}
    assert set(tests) == {"twin", "list", "gone", "junk"}
    assert tests["twin"]["status"] == "success"
    assert tests["list"]["status"] == "success"
    assert tests["gone"] == {"name": "gone", "status": "error", "error": "404"}
    assert tests["junk"]["status"] == "error"

    diff = result["differences"]
    assert diff["gpt-4o"]["model_ratio"]["current"] == 1.25
    assert diff["gpt-4o"]["model_ratio"]["upstreams"] == {"twin": 2.5, "list": "same"}
    assert diff["gpt-4o"]["completion_ratio"]["upstreams"] == {"twin": "same", "list": 5}
    assert diff["brand-new"]["model_ratio"] == {
        "current": None,
        "upstreams": {"twin": 3, "list": "same"},
        "confidence": {"twin": True, "list": True},
    }
    assert diff["dall-e-3"]["model_price"]["upstreams"]["list"] == 0.08
    # the upstream's "no price set" default (37.5 / 1) is flagged as not trustworthy
    assert diff["unpriced"]["model_ratio"]["confidence"]["list"] is False
    # models every upstream agrees on are not listed
    assert "gpt-4o-mini" not in diff

    assert "无有效上游渠道" in refused(
        await app_client.post("/api/ratio_sync/fetch", json={}, headers=root.headers)
    )


async def test_sync_by_channel_ids_and_openrouter_key(
    app_client: httpx.AsyncClient, upstream: dict[str, Any]
) -> None:
    root = await setup_root(app_client)
    runtime = runtime_of(app_client)
    base = upstream["base"]
    async with runtime.database.unit_of_work() as session:
        peer = Channel(
            name="peer", type=1, key=runtime.secrets.encrypt("k"), base_url=f"{base}/peer"
        )
        router = Channel(
            name="or", type=20, key=runtime.secrets.encrypt("sk-or-1\nsk-or-2"), base_url=base
        )
        session.add_all([peer, router, Channel(name="nourl", type=1, key="k", base_url="")])
        await session.flush()
    upstream["bodies"]["/peer/api/pricing"] = {
        "success": True,
        "data": [
            {"model_name": "gpt-4o", "quota_type": 0, "model_ratio": 9, "completion_ratio": 4}
        ],
    }
    upstream["bodies"]["/v1/models"] = {
        "data": [
            {"id": "vendor/m", "pricing": {"prompt": "0.000002", "completion": "0.000008"}},
            {"id": "vendor/free", "pricing": {"prompt": "0", "completion": "0"}},
            {"id": "vendor/dynamic", "pricing": {"prompt": "-1", "completion": "-1"}},
        ]
    }

    channels = await ok(await app_client.get("/api/ratio_sync/channels", headers=root.headers))
    assert [c["name"] for c in channels] == ["peer", "or", "官方倍率预设", "models.dev 价格预设"]
    assert channels[-1]["id"] == -101

    by_id = await ok(
        await app_client.post(
            "/api/ratio_sync/fetch", json={"channel_ids": [peer.id]}, headers=root.headers
        )
    )
    assert by_id["test_results"] == [{"name": f"peer({peer.id})", "status": "success"}]
    assert by_id["differences"]["gpt-4o"]["model_ratio"]["upstreams"] == {f"peer({peer.id})": 9}

    via_openrouter = await ok(
        await app_client.post(
            "/api/ratio_sync/fetch",
            json={
                "upstreams": [
                    {"id": router.id, "name": "or", "base_url": base, "endpoint": "openrouter"}
                ]
            },
            headers=root.headers,
        )
    )
    assert upstream["auth"]["/v1/models"] == "Bearer sk-or-1"
    diff = via_openrouter["differences"]
    name = f"or({router.id})"
    assert diff["vendor/m"]["model_ratio"]["upstreams"][name] == 1.0
    assert diff["vendor/m"]["completion_ratio"]["upstreams"][name] == 4.0
    assert diff["vendor/free"]["model_ratio"]["upstreams"][name] == 0.0
    assert "vendor/dynamic" not in diff

    alice = await create_user(app_client, root, "alice", role=10)
    assert "权限不足" in refused(
        await app_client.get("/api/ratio_sync/channels", headers=alice.headers)
    )


def test_models_dev_prefers_cheapest_non_zero_provider() -> None:
    body = jsonx.dumps(
        {
            "a": {"models": {"m": {"cost": {"input": 4, "output": 12, "cache_read": 1}}}},
            "b": {
                "models": {"m": {"cost": {"input": 2, "output": 8}}, "z": {"cost": {"input": 0}}}
            },
            "c": {"models": {"bad": {"cost": {"input": 0, "output": 3}}}},
        }
    )
    data = ratio_sync.parse_body("https://models.dev/api.json", False, body)
    assert data["model_ratio"] == {"m": 1.0, "z": 0.0}
    assert data["completion_ratio"] == {"m": 4.0}
    assert "cache_ratio" not in data
