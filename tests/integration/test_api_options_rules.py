"""/api/option rules new-api applies (dependent switches, JSON panels, bulk saves, ratio reset,
CompletionRatioMeta, secrets) and the public pages built from options (status, legal, uptime)."""

from __future__ import annotations

from typing import Any

import httpx
from test_api_support import Actor, create_user, ok, refused, setup_root

from relaygate.kit import jsonx
from relaygate.options.defaults import DEFAULT_MODEL_RATIO


async def _put(client: httpx.AsyncClient, root: Actor, key: str, value: Any) -> httpx.Response:
    return await client.put("/api/option/", json={"key": key, "value": value}, headers=root.headers)


async def test_switches_need_their_settings_first(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    assert "GitHub Client Id" in refused(await _put(app_client, root, "GitHubOAuthEnabled", True))
    assert "Turnstile" in refused(await _put(app_client, root, "TurnstileCheckEnabled", "true"))
    await ok(await _put(app_client, root, "GitHubClientId", "gh-client"))
    await ok(await _put(app_client, root, "GitHubOAuthEnabled", True))
    await ok(await _put(app_client, root, "GitHubOAuthEnabled", False))  # off is always fine
    assert "合规" in refused(await _put(app_client, root, "payment_setting.compliance_ok", "true"))
    assert "主题" in refused(await _put(app_client, root, "theme.frontend", "neon"))
    assert "JSON array" in refused(await _put(app_client, root, "console_setting.faq", "{}"))
    assert "status code" in refused(
        await _put(app_client, root, "AutomaticDisableStatusCodes", "401,6xx")
    )
    await ok(await _put(app_client, root, "AutomaticDisableStatusCodes", "401, 500-599"))
    assert "not less than 0" in refused(
        await _put(app_client, root, "GroupModelRatio", '{"vip": {"gpt-4o": -1}}')
    )


async def test_bulk_update_and_reset_model_ratio(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    bulk = {"options": [{"key": "LogConsumeEnabled", "value": "false"}]}
    await ok(await app_client.put("/api/option/bulk", json=bulk, headers=root.headers))
    options = {
        o["key"]: o["value"]
        for o in await ok(await app_client.get("/api/option/", headers=root.headers))
    }
    assert options["LogConsumeEnabled"] == "false"
    not_bulk = {"options": [{"key": "SystemName", "value": "x"}]}
    assert "批量" in refused(
        await app_client.put("/api/option/bulk", json=not_bulk, headers=root.headers)
    )
    not_text = {"options": [{"key": "LogConsumeEnabled", "value": True}]}
    assert "字符串" in refused(
        await app_client.put("/api/option/bulk", json=not_text, headers=root.headers)
    )

    await ok(await _put(app_client, root, "ModelRatio", '{"only-this": 2}'))
    reset = await app_client.post("/api/option/rest_model_ratio", headers=root.headers)
    assert reset.json()["message"] == "重置模型倍率成功"
    options = {
        o["key"]: o["value"]
        for o in await ok(await app_client.get("/api/option/", headers=root.headers))
    }
    assert jsonx.loads(options["ModelRatio"]) == DEFAULT_MODEL_RATIO


async def test_options_list_hides_secrets_and_adds_completion_meta(
    app_client: httpx.AsyncClient,
) -> None:
    root = await setup_root(app_client)
    await ok(await _put(app_client, root, "TurnstileSecretKey", "very-secret"))
    await ok(await _put(app_client, root, "SMTPToken", "smtp-secret"))
    listed = await ok(await app_client.get("/api/option/", headers=root.headers))
    keys = [o["key"] for o in listed]
    assert "TurnstileSecretKey" not in keys
    assert "SMTPToken" not in keys
    assert keys[-1] == "CompletionRatioMeta"
    meta = jsonx.loads(listed[-1]["value"])
    assert meta["gpt-4o"] == {"ratio": 4, "locked": False}
    assert "very-secret" not in (await app_client.get("/api/status")).text
    admin = await create_user(app_client, root, "admin1", role=10)
    assert "权限不足" in refused(await app_client.get("/api/option/", headers=admin.headers))


async def test_status_legal_and_uptime(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    status = await ok(await app_client.get("/api/status"))
    for key in (
        "system_name",
        "logo",
        "footer_html",
        "version",
        "quota_per_unit",
        "display_in_currency",
        "quota_display_type",
        "github_oauth",
        "github_client_id",
        "oidc_enabled",
        "passkey_login",
        "turnstile_site_key",
        "server_address",
        "docs_link",
        "chats",
        "setup",
        "user_agreement_enabled",
        "HeaderNavModules",
    ):
        assert key in status, key
    assert status["user_agreement_enabled"] is False
    assert status["api_info"] == []

    await ok(await _put(app_client, root, "legal.user_agreement", "# Terms"))
    await ok(await _put(app_client, root, "general_setting.quota_display_type", "TOKENS"))
    await ok(await _put(app_client, root, "oidc.client_id", "oidc-client"))
    await ok(await _put(app_client, root, "oidc.enabled", "true"))
    await ok(await _put(app_client, root, "console_setting.api_info", '[{"url": "https://x"}]'))
    status = await ok(await app_client.get("/api/status"))
    assert status["user_agreement_enabled"] is True
    assert status["quota_display_type"] == "TOKENS"
    assert status["display_in_currency"] is False
    assert status["oidc_enabled"] is True
    assert status["oidc_client_id"] == "oidc-client"
    assert status["api_info"] == [{"url": "https://x"}]

    assert await ok(await app_client.get("/api/user-agreement")) == "# Terms"
    assert await ok(await app_client.get("/api/privacy-policy")) == ""
    assert await ok(await app_client.get("/api/uptime/status")) == []
    test = await app_client.get("/api/status/test", headers=root.headers)
    assert test.json()["message"] == "Server is running"
