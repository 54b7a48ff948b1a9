"""TOTP 2FA: setup, enable, login with a code or a one-time backup code, replay refusal,
/api/verify step-up and ``verified_recently``, admin stats and force-disable."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pyotp
import pytest
from starlette.requests import Request
from test_api_support import PASSWORD, Actor, create_user, ok, refused, setup_root

from relaygate.auth import verification
from relaygate.kit import clock


def _code(secret: str, offset_steps: int = 0, at: float | None = None) -> str:
    return pyotp.TOTP(secret).at((time.time() if at is None else at) + 30 * offset_steps)


async def _enable_2fa(client: httpx.AsyncClient, actor: Actor) -> dict[str, Any]:
    data: dict[str, Any] = await ok(await client.post("/api/user/2fa/setup", headers=actor.headers))
    assert data["qr_code_data"].startswith("otpauth://totp/")
    assert f"secret={data['secret']}" in data["qr_code_data"]
    assert len(data["backup_codes"]) == 4
    status = await ok(await client.get("/api/user/2fa/status", headers=actor.headers))
    assert status == {"enabled": False, "locked": False}
    bad = await client.post("/api/user/2fa/enable", json={"code": "000000"}, headers=actor.headers)
    assert "错误" in refused(bad) or "验证码" in refused(bad)
    data["enabled_at"] = time.time()
    data["enable_code"] = _code(data["secret"], at=data["enabled_at"])
    await ok(
        await client.post(
            "/api/user/2fa/enable", json={"code": data["enable_code"]}, headers=actor.headers
        )
    )
    return data


async def _password_login(client: httpx.AsyncClient, username: str) -> dict[str, Any]:
    client.cookies.clear()
    response = await client.post(
        "/api/user/login", json={"username": username, "password": PASSWORD}
    )
    data: dict[str, Any] = await ok(response)
    return data


async def test_login_with_totp_and_backup_codes(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    setup = await _enable_2fa(app_client, alice)
    secret, backups = setup["secret"], setup["backup_codes"]
    status = await ok(await app_client.get("/api/user/2fa/status", headers=alice.headers))
    assert status == {"enabled": True, "locked": False, "backup_codes_remaining": 4}

    # Password alone no longer logs in: the session only holds the pending user.
    assert await _password_login(app_client, "alice") == {"require_2fa": True}
    self_call = await app_client.get("/api/user/self", headers={"New-Api-User": str(alice.id)})
    assert self_call.status_code == 401
    # The code that enabled 2FA was spent: replaying it is refused.
    replay = await app_client.post("/api/user/login/2fa", json={"code": setup["enable_code"]})
    assert "错误" in refused(replay)
    next_code = _code(secret, 1, at=setup["enabled_at"])
    data = await ok(await app_client.post("/api/user/login/2fa", json={"code": next_code}))
    assert data["id"] == alice.id and data["username"] == "alice"
    await ok(await app_client.get("/api/user/self", headers={"New-Api-User": str(alice.id)}))

    # A backup code works once.
    await _password_login(app_client, "alice")
    lowered = backups[0].lower().replace("-", "")
    await ok(await app_client.post("/api/user/login/2fa", json={"code": lowered}))
    await _password_login(app_client, "alice")
    assert "错误" in refused(
        await app_client.post("/api/user/login/2fa", json={"code": backups[0]})
    )
    await ok(await app_client.post("/api/user/login/2fa", json={"code": backups[1]}))
    status = await ok(await app_client.get("/api/user/2fa/status", headers=alice.headers))
    assert status["backup_codes_remaining"] == 2

    # Without a pending login there is nothing to finish.
    app_client.cookies.clear()
    assert "过期" in refused(await app_client.post("/api/user/login/2fa", json={"code": "123456"}))

    stats = await ok(await app_client.get("/api/user/2fa/stats", headers=root.headers))
    assert stats == {"total_users": 2, "enabled_users": 1, "enabled_rate": "50.0%"}
    assert "权限" in refused(await app_client.get("/api/user/2fa/stats", headers=alice.headers))
    await ok(await app_client.delete(f"/api/user/{alice.id}/2fa", headers=root.headers))
    assert "未启用" in refused(
        await app_client.delete(f"/api/user/{alice.id}/2fa", headers=root.headers)
    )
    assert (await _password_login(app_client, "alice"))["username"] == "alice"


async def test_regenerate_disable_and_lockout(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    bob = await create_user(app_client, root, "bob")
    setup = await _enable_2fa(app_client, bob)
    secret = setup["secret"]
    fresh = await ok(
        await app_client.post(
            "/api/user/2fa/backup_codes", json={"code": _code(secret, 1)}, headers=bob.headers
        )
    )
    assert len(fresh["backup_codes"]) == 4 and set(fresh["backup_codes"]).isdisjoint(
        setup["backup_codes"]
    )
    # Old backup codes died with the regeneration.
    old = await app_client.post(
        "/api/user/2fa/disable", json={"code": setup["backup_codes"][0]}, headers=bob.headers
    )
    assert "错误" in refused(old)
    for _ in range(4):
        await app_client.post("/api/user/2fa/disable", json={"code": "999999"}, headers=bob.headers)
    status = await ok(await app_client.get("/api/user/2fa/status", headers=bob.headers))
    assert status["locked"] is True
    locked = await app_client.post(
        "/api/user/2fa/disable", json={"code": fresh["backup_codes"][0]}, headers=bob.headers
    )
    assert "锁定" in refused(locked)
    # An admin can still force it off.
    await ok(await app_client.delete(f"/api/user/{bob.id}/2fa", headers=root.headers))
    status = await ok(await app_client.get("/api/user/2fa/status", headers=bob.headers))
    assert status == {"enabled": False, "locked": False}


async def test_verify_step_up_then_expiry(
    app_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = await setup_root(app_client)
    carol = await create_user(app_client, root, "carol")
    no_factor = await app_client.post(
        "/api/verify", json={"method": "2fa", "code": "123456"}, headers=carol.headers
    )
    assert "未启用" in refused(no_factor)
    secret = (await _enable_2fa(app_client, carol))["secret"]
    status = await ok(await app_client.get("/api/verify/status", headers=carol.headers))
    assert status == {"verified": False}
    wrong = await app_client.post(
        "/api/verify", json={"method": "2fa", "code": "000000"}, headers=carol.headers
    )
    assert "验证失败" in refused(wrong)
    data = await ok(
        await app_client.post(
            "/api/verify", json={"method": "2fa", "code": _code(secret, 1)}, headers=carol.headers
        )
    )
    assert data["verified"] is True
    assert data["expires_at"] - clock.now() in range(295, 301)
    status = await ok(await app_client.get("/api/verify/status", headers=carol.headers))
    assert status["verified"] is True

    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + 301)
    status = await ok(await app_client.get("/api/verify/status", headers=carol.headers))
    assert status == {"verified": False}


def _request(session: dict[str, Any]) -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": [], "session": session}
    )


def test_verified_recently(monkeypatch: pytest.MonkeyPatch) -> None:
    now = clock.now()
    assert verification.verified_recently(_request({})) is False
    assert verification.verified_recently(Request({"type": "http", "headers": []})) is False
    recent = _request({"secure_verified_at": now - 10, "secure_verified_method": "2fa"})
    assert verification.verified_recently(recent) is True
    assert verification.verified_recently_with(recent, "2fa") is True
    assert verification.verified_recently_with(recent, "passkey") is False
    assert verification.verified_recently(recent, max_age=5) is False
    assert verification.verified_recently(_request({"secure_verified_at": now - 300})) is False
    assert verification.verified_recently(_request({"secure_verified_at": "x"})) is False
    session: dict[str, Any] = {}
    verification.mark_verified(_request(session), "passkey")
    assert session["secure_verified_method"] == "passkey"
    monkeypatch.setattr(clock, "now", lambda: now + 400)
    assert verification.verified_recently(_request(session)) is False
