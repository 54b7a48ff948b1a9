"""Passkeys end to end with a software authenticator: registration, discoverable login,
step-up through /api/verify, status, removal and admin reset. No part of webauthn is mocked."""

from __future__ import annotations

from typing import Any

import httpx
from test_api_support import Actor, create_user, ok, refused, setup_root
from tests.support.soft_authenticator import SoftAuthenticator

ORIGIN = "http://testserver"


async def _set(client: httpx.AsyncClient, root: Actor, key: str, value: str) -> None:
    await ok(
        await client.put("/api/option/", json={"key": key, "value": value}, headers=root.headers)
    )


async def _session_login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    client.cookies.clear()
    data = await ok(
        await client.post(
            "/api/user/login", json={"username": username, "password": "password-123"}
        )
    )
    return {"New-Api-User": str(data["id"])}


async def _register(
    client: httpx.AsyncClient, headers: dict[str, str], authenticator: SoftAuthenticator
) -> None:
    begin = await ok(await client.post("/api/user/passkey/register/begin", headers=headers))
    public_key: dict[str, Any] = begin["options"]["publicKey"]
    assert public_key["rp"]["id"] == "testserver"
    assert public_key["authenticatorSelection"]["residentKey"] == "required"
    credential = authenticator.create(public_key)
    await ok(
        await client.post("/api/user/passkey/register/finish", json=credential, headers=headers)
    )


async def test_register_login_step_up_and_remove(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    assert "未启用" in refused(
        await app_client.post("/api/user/passkey/register/begin", headers=alice.headers)
    )
    await _set(app_client, root, "passkey.enabled", "true")
    # Plain http on a non-loopback host needs the explicit opt-in, as new-api.
    assert "HTTPS" in refused(
        await app_client.post("/api/user/passkey/register/begin", headers=alice.headers)
    )
    await _set(app_client, root, "passkey.allow_insecure_origin", "true")

    headers = await _session_login(app_client, "alice")
    authenticator = SoftAuthenticator(ORIGIN)
    await _register(app_client, headers, authenticator)
    status = await ok(await app_client.get("/api/user/passkey", headers=headers))
    assert status == {"enabled": True, "last_used_at": None}

    # Discoverable login from a fresh browser.
    app_client.cookies.clear()
    begin = await ok(await app_client.post("/api/user/passkey/login/begin"))
    assert not begin["options"]["publicKey"].get("allowCredentials")
    assertion = authenticator.get(begin["options"]["publicKey"])
    data = await ok(await app_client.post("/api/user/passkey/login/finish", json=assertion))
    assert data["id"] == alice.id
    headers = {"New-Api-User": str(alice.id)}
    status = await ok(await app_client.get("/api/user/passkey", headers=headers))
    assert status["enabled"] is True and status["last_used_at"]
    # The login challenge was spent: the same assertion cannot log in again.
    assert "会话" in refused(
        await app_client.post("/api/user/passkey/login/finish", json=assertion)
    )

    # A wrong origin is refused.
    begin = await ok(await app_client.post("/api/user/passkey/login/begin"))
    forged = authenticator.get(begin["options"]["publicKey"], origin="https://evil.example")
    assert "Passkey" in refused(
        await app_client.post("/api/user/passkey/login/finish", json=forged)
    )

    # Step-up: assertion, then /api/verify {method: passkey}, then verified.
    assert "请先完成" in refused(await app_client.delete("/api/user/passkey", headers=headers))
    assert "Passkey" in refused(
        await app_client.post("/api/verify", json={"method": "passkey"}, headers=headers)
    )
    begin = await ok(await app_client.post("/api/user/passkey/verify/begin", headers=headers))
    allowed = begin["options"]["publicKey"]["allowCredentials"]
    assert len(allowed) == 1
    step_up = authenticator.get(begin["options"]["publicKey"])
    await ok(
        await app_client.post("/api/user/passkey/verify/finish", json=step_up, headers=headers)
    )
    verified = await ok(
        await app_client.post("/api/verify", json={"method": "passkey"}, headers=headers)
    )
    assert verified["verified"] is True
    status = await ok(await app_client.get("/api/verify/status", headers=headers))
    assert status["verified"] is True
    # The ready mark is one-shot.
    assert "Passkey" in refused(
        await app_client.post("/api/verify", json={"method": "passkey"}, headers=headers)
    )

    await ok(await app_client.delete("/api/user/passkey", headers=headers))
    assert await ok(await app_client.get("/api/user/passkey", headers=headers)) == {
        "enabled": False
    }
    app_client.cookies.clear()
    begin = await ok(await app_client.post("/api/user/passkey/login/begin"))
    again = authenticator.get(begin["options"]["publicKey"])
    assert "未找到" in refused(await app_client.post("/api/user/passkey/login/finish", json=again))


async def test_admin_reset(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    bob = await create_user(app_client, root, "bob")
    await _set(app_client, root, "passkey.enabled", "true")
    await _set(app_client, root, "passkey.origins", ORIGIN)
    await _set(app_client, root, "passkey.allow_insecure_origin", "true")
    headers = await _session_login(app_client, "bob")
    await _register(app_client, headers, SoftAuthenticator(ORIGIN))
    assert "权限" in refused(
        await app_client.delete(f"/api/user/{root.id}/reset_passkey", headers=headers)
    )
    app_client.cookies.clear()  # root acts by access token; bob's session cookie would win
    await ok(await app_client.delete(f"/api/user/{bob.id}/reset_passkey", headers=root.headers))
    assert "尚未绑定" in refused(
        await app_client.delete(f"/api/user/{bob.id}/reset_passkey", headers=root.headers)
    )
