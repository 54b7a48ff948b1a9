"""/api/option (root): defaults overlaid with stored values, secrets hidden, values validated."""

from __future__ import annotations

import httpx
from test_api_support import create_user, ok, refused, runtime_of, setup_root


async def test_options_list_and_update(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    await ok(
        await app_client.put(
            "/api/option/",
            json={"key": "GitHubClientSecret", "value": "s3cret"},
            headers=root.headers,
        )
    )
    await ok(
        await app_client.put(
            "/api/option/", json={"key": "SystemName", "value": "My Gate"}, headers=root.headers
        )
    )
    listed = await ok(await app_client.get("/api/option/", headers=root.headers))
    options = {item["key"]: item["value"] for item in listed}
    assert options["SystemName"] == "My Gate"
    assert options["QuotaPerUnit"] == "500000"  # a default, never stored
    assert "GitHubClientSecret" not in options
    assert not [key for key in options if key.endswith(("Secret", "Token", "Key", "Password"))]
    assert "s3cret" not in (await app_client.get("/api/option/", headers=root.headers)).text
    # the snapshot was reloaded by the published change
    assert runtime_of(app_client).options.current.get("SystemName") == "My Gate"
    assert (await ok(await app_client.get("/api/status")))["system_name"] == "My Gate"


async def test_option_values_are_validated(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)

    async def put(key: str, value: object) -> httpx.Response:
        return await app_client.put(
            "/api/option/", json={"key": key, "value": value}, headers=root.headers
        )

    assert "ModelRatio" in refused(await put("ModelRatio", "{not json"))
    assert "ModelRatio" in refused(await put("ModelRatio", "[1, 2]"))
    assert "gpt-x" in refused(await put("ModelRatio", '{"gpt-x": "cheap"}'))
    refused(await put("GroupRatio", '{"vip": -1}'))
    refused(await put("UserUsableGroups", '{"vip": 1}'))
    refused(await put("LogConsumeEnabled", "yes"))
    refused(await put("RetryTimes", "-1"))
    refused(await put("QuotaPerUnit", "0"))
    refused(await put("QuotaDisplayType", "EUR"))

    await ok(await put("ModelRatio", '{"gpt-x": 2.5, "gpt-y": 0}'))
    await ok(await put("LogConsumeEnabled", False))
    await ok(await put("RetryTimes", 3))
    snapshot = runtime_of(app_client).options.current
    assert snapshot.model_ratio == {"gpt-x": 2.5, "gpt-y": 0.0}
    assert snapshot.log_consume is False
    assert snapshot.retry_times == 3
    stored = {
        item["key"]: item["value"]
        for item in await ok(await app_client.get("/api/option/", headers=root.headers))
    }
    assert stored["LogConsumeEnabled"] == "false"
    assert stored["RetryTimes"] == "3"


async def test_only_root_reads_or_writes_options(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    admin = await create_user(app_client, root, "admin", role=10)
    assert "权限不足" in refused(await app_client.get("/api/option/", headers=admin.headers))
    body = {"key": "SystemName", "value": "hijacked"}
    refused(await app_client.put("/api/option/", json=body, headers=admin.headers))
    assert runtime_of(app_client).options.current.get("SystemName") == "relaygate"
