"""Channel tests, balances and upstream model lists against real HTTP servers.

The mock upstream answers chat calls and /v1/models; balance endpoints come from a small
aiohttp server started here (the mock does not fake vendor dashboards).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from test_api_support import Actor, ok, refused, runtime_of, setup_root
from tests.support.mock_upstream import MODELS, MockUpstream

from relaygate.channels import multikey
from relaygate.channels.router import get_probe_runner
from relaygate.db.models.ability import Ability
from relaygate.db.models.channel import Channel


async def _set_option(client: httpx.AsyncClient, root: Actor, key: str, value: str) -> None:
    await ok(
        await client.put("/api/option/", json={"key": key, "value": value}, headers=root.headers)
    )


async def _add(client: httpx.AsyncClient, root: Actor, body: dict[str, Any]) -> int:
    [channel_id] = await ok(await client.post("/api/channel/", json=body, headers=root.headers))
    return int(channel_id)


def _channel(upstream: MockUpstream, **fields: Any) -> dict[str, Any]:
    return {
        "type": 1,
        "name": "mock",
        "key": "sk-mock-good",
        "base_url": upstream.url,
        "models": "gpt-4o,mock-chat",
        "group": "default",
        **fields,
    }


async def _row(client: httpx.AsyncClient, channel_id: int) -> Channel:
    async with runtime_of(client).database.reader() as session:
        channel = await session.get(Channel, channel_id)
        assert channel is not None
        return channel


async def _ability_states(client: httpx.AsyncClient, channel_id: int) -> set[bool]:
    async with runtime_of(client).database.reader() as session:
        rows = await session.execute(
            select(Ability.enabled).where(Ability.channel_id == channel_id)
        )
        return set(rows.scalars())


async def test_channel_test_records_time_and_uses_mapping(
    app_client: httpx.AsyncClient, mock_upstream: MockUpstream
) -> None:
    root = await setup_root(app_client)
    mapping = '{"gpt-4o": "mock-chat"}'
    channel_id = await _add(app_client, root, _channel(mock_upstream, model_mapping=mapping))
    answer = (await app_client.get(f"/api/channel/test/{channel_id}", headers=root.headers)).json()
    assert answer["success"] is True, answer
    assert answer["time"] >= 0
    sent = mock_upstream.last_request
    assert sent.path == "/v1/chat/completions"
    assert sent.key == "sk-mock-good"
    assert sent.json["model"] == "mock-chat"  # the first channel model, mapped
    assert sent.json["max_tokens"] == 16
    row = await _row(app_client, channel_id)
    assert row.test_time > 0

    await app_client.get(f"/api/channel/test/{channel_id}?model=mock-slow", headers=root.headers)
    assert mock_upstream.last_request.json["model"] == "mock-slow"

    claude = _channel(mock_upstream, type=14, models="claude-sonnet-4", key="sk-ant")
    claude_id = await _add(app_client, root, claude)
    answer = (await app_client.get(f"/api/channel/test/{claude_id}", headers=root.headers)).json()
    assert answer["success"] is True, answer
    assert mock_upstream.last_request.path == "/v1/messages"
    assert mock_upstream.last_request.headers.get("x-api-key") == "sk-ant"


async def test_failed_test_auto_disables_and_success_re_enables(
    app_client: httpx.AsyncClient, mock_upstream: MockUpstream
) -> None:
    root = await setup_root(app_client)
    channel_id = await _add(app_client, root, _channel(mock_upstream))
    path = f"/api/channel/test/{channel_id}"

    mock_upstream.fail(401, times=1)
    answer = (await app_client.get(path, headers=root.headers)).json()
    assert answer["success"] is False
    assert (await _row(app_client, channel_id)).status == 1  # option off: only reported

    await _set_option(app_client, root, "AutomaticDisableChannelEnabled", "true")
    await _set_option(app_client, root, "AutomaticEnableChannelEnabled", "true")
    mock_upstream.fail(401, times=1)
    answer = (await app_client.get(path, headers=root.headers)).json()
    assert answer["success"] is False
    assert answer["message"]
    row = await _row(app_client, channel_id)
    assert row.status == 3
    assert "status_reason" in row.other_info
    assert await _ability_states(app_client, channel_id) == {False}

    mock_upstream.fail(500, times=1)  # a 5xx does not say the key is bad
    other_id = await _add(app_client, root, _channel(mock_upstream, name="other"))
    await app_client.get(f"/api/channel/test/{other_id}", headers=root.headers)
    assert (await _row(app_client, other_id)).status == 1

    answer = (await app_client.get(path, headers=root.headers)).json()
    assert answer["success"] is True
    assert (await _row(app_client, channel_id)).status == 1
    assert await _ability_states(app_client, channel_id) == {True}

    await ok(
        await app_client.put(
            "/api/channel/", json={"id": channel_id, "status": 2}, headers=root.headers
        )
    )
    await app_client.get(path, headers=root.headers)
    assert (await _row(app_client, channel_id)).status == 2  # a manual disable stays


async def test_multi_key_test_disables_only_the_failing_key(
    app_client: httpx.AsyncClient, mock_upstream: MockUpstream
) -> None:
    root = await setup_root(app_client)
    await _set_option(app_client, root, "AutomaticDisableChannelEnabled", "true")
    body = {
        "mode": "multi_to_single",
        "multi_key_mode": "polling",
        "channel": _channel(mock_upstream, key="sk-bad-key\nsk-good-key"),
    }
    channel_id = await _add(app_client, root, body)
    mock_upstream.fail(401, key="sk-bad-key")
    for _ in range(6):  # polling alternates keys: the bad one is met within two tests
        await app_client.get(f"/api/channel/test/{channel_id}", headers=root.headers)
        row = await _row(app_client, channel_id)
        if multikey.parse_info(row.channel_info).status:
            break
    info = multikey.parse_info((await _row(app_client, channel_id)).channel_info)
    assert dict(info.status) == {0: 3}
    assert info.disabled_reason[0]
    assert (await _row(app_client, channel_id)).status == 1
    answer = (await app_client.get(f"/api/channel/test/{channel_id}", headers=root.headers)).json()
    assert answer["success"] is True
    assert mock_upstream.last_request.key == "sk-good-key"


async def test_test_all_runs_in_the_background(
    app_client: httpx.AsyncClient, mock_upstream: MockUpstream
) -> None:
    root = await setup_root(app_client)
    ids = [await _add(app_client, root, _channel(mock_upstream, name=f"c{i}")) for i in range(5)]
    manual = await _add(app_client, root, _channel(mock_upstream, name="off", status=2))
    mock_upstream.configure(delay_ms=50)
    assert await ok(await app_client.get("/api/channel/test", headers=root.headers)) is None
    runner = get_probe_runner(_request_for(app_client))  # the runner the route used
    assert "运行" in refused(await app_client.get("/api/channel/test", headers=root.headers))
    assert await runner.wait() == 5
    for channel_id in ids:
        assert (await _row(app_client, channel_id)).test_time > 0
    assert (await _row(app_client, manual)).test_time == 0
    assert len(mock_upstream.requests(path="/v1/chat/completions")) == 5


class _AppRequest:
    """Just enough of a Request for ``get_probe_runner`` (it reads ``app.state``)."""

    def __init__(self, app: Any) -> None:
        self.app = app


def _request_for(client: httpx.AsyncClient) -> Any:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    return _AppRequest(transport.app)


async def test_fetch_models_saved_and_unsaved(
    app_client: httpx.AsyncClient, mock_upstream: MockUpstream
) -> None:
    root = await setup_root(app_client)
    channel_id = await _add(app_client, root, _channel(mock_upstream))
    listed = await ok(
        await app_client.get(f"/api/channel/fetch_models/{channel_id}", headers=root.headers)
    )
    assert listed == list(MODELS)
    unsaved = {"type": 1, "base_url": mock_upstream.url, "key": "sk-one\nsk-two"}
    assert await ok(
        await app_client.post("/api/channel/fetch_models", json=unsaved, headers=root.headers)
    ) == list(MODELS)
    dead = {"type": 1, "base_url": "http://127.0.0.1:1", "key": "k"}
    message = refused(
        await app_client.post("/api/channel/fetch_models", json=dead, headers=root.headers)
    )
    assert message.startswith("获取模型列表失败")


async def test_upstream_updates_detect_and_apply(
    app_client: httpx.AsyncClient, mock_upstream: MockUpstream
) -> None:
    root = await setup_root(app_client)
    channel = _channel(
        mock_upstream, models="mock-chat,gone-model,alias", model_mapping='{"alias": "mock-slow"}'
    )
    channel_id = await _add(app_client, root, channel)
    detected = await ok(
        await app_client.post(
            "/api/channel/upstream_updates/detect", json={"id": channel_id}, headers=root.headers
        )
    )
    assert detected["add_models"] == ["mock-reasoner", "mock-embed"]  # mock-slow is mapped
    assert detected["remove_models"] == ["gone-model"]  # alias is a mapping source: kept
    apply = {
        "id": channel_id,
        "add_models": ["mock-reasoner", "not-offered"],
        "ignore_models": ["mock-embed"],
        "remove_models": ["gone-model"],
    }
    applied = await ok(
        await app_client.post(
            "/api/channel/upstream_updates/apply", json=apply, headers=root.headers
        )
    )
    assert applied["added_models"] == ["mock-reasoner"]
    assert applied["ignored_models"] == ["mock-embed"]
    assert applied["remaining_models"] == []
    assert applied["models"] == "mock-chat,alias,mock-reasoner"
    async with runtime_of(app_client).database.reader() as session:
        models = set(
            (
                await session.execute(select(Ability.model).where(Ability.channel_id == channel_id))
            ).scalars()
        )
    assert models == {"mock-chat", "alias", "mock-reasoner"}
    again = await ok(
        await app_client.post(
            "/api/channel/upstream_updates/detect", json={"id": channel_id}, headers=root.headers
        )
    )
    assert again["add_models"] == []  # mock-embed is ignored now

    opted = _channel(
        mock_upstream, name="opted", settings='{"upstream_model_update_check_enabled": true}'
    )
    opted_id = await _add(app_client, root, opted)
    summary = await ok(
        await app_client.post("/api/channel/upstream_updates/detect_all", headers=root.headers)
    )
    assert summary["processed_channels"] == 1
    assert summary["failed_channel_ids"] == []
    assert summary["channel_detected_results"][0]["channel_id"] == opted_id
    assert summary["detected_add_models"] == 3  # all mock models but mock-chat
    assert summary["detected_remove_models"] == 1  # gpt-4o


@pytest.fixture
async def vendor_server() -> AsyncIterator[TestServer]:
    """Balance endpoints of four vendors, each checking the Bearer key."""

    def checked(payload: dict[str, Any]) -> Any:
        async def handler(request: web.Request) -> web.Response:
            if request.headers.get("Authorization") != "Bearer sk-balance":
                return web.json_response({"error": "bad key"}, status=401)
            return web.json_response(payload)

        return handler

    app = web.Application()
    app.router.add_get(
        "/v1/dashboard/billing/subscription",
        checked({"hard_limit_usd": 120.0, "has_payment_method": True}),
    )
    app.router.add_get("/v1/dashboard/billing/usage", checked({"total_usage": 2050.0}))
    app.router.add_get(
        "/user/balance",
        checked(
            {
                "is_available": True,
                "balance_infos": [
                    {"currency": "USD", "total_balance": "1.00"},
                    {"currency": "CNY", "total_balance": "88.50"},
                ],
            }
        ),
    )
    app.router.add_get(
        "/v1/user/info", checked({"code": 20000, "status": True, "data": {"totalBalance": "12.5"}})
    )
    app.router.add_get(
        "/api/v1/credits", checked({"data": {"total_credits": 50, "total_usage": 12.25}})
    )
    server = TestServer(app)
    await server.start_server()
    yield server
    await server.close()


async def test_balances_per_vendor(
    app_client: httpx.AsyncClient, vendor_server: TestServer
) -> None:
    root = await setup_root(app_client)
    base = str(vendor_server.make_url("")).rstrip("/")
    expected = {1: 120.0 - 20.5, 43: 88.5, 40: 12.5, 20: 50 - 12.25}
    ids = {}
    for channel_type in expected:
        body = {"type": channel_type, "key": "sk-balance", "base_url": base, "models": "m"}
        ids[channel_type] = await _add(app_client, root, body)
    for channel_type, amount in expected.items():
        answer = (
            await app_client.get(
                f"/api/channel/update_balance/{ids[channel_type]}", headers=root.headers
            )
        ).json()
        assert answer == {"success": True, "message": "", "balance": pytest.approx(amount)}
        row = await _row(app_client, ids[channel_type])
        assert row.balance == pytest.approx(amount)
        assert row.balance_updated_time > 0

    unsupported = await _add(app_client, root, {"type": 14, "key": "k", "models": "m"})
    assert "尚未实现" in refused(
        await app_client.get(f"/api/channel/update_balance/{unsupported}", headers=root.headers)
    )
    wrong_key = {"type": 43, "key": "sk-wrong", "base_url": base, "models": "m"}
    wrong_id = await _add(app_client, root, wrong_key)
    assert "401" in refused(
        await app_client.get(f"/api/channel/update_balance/{wrong_id}", headers=root.headers)
    )
    assert (
        await ok(await app_client.get("/api/channel/update_balance", headers=root.headers)) is None
    )
