"""/api/status, /api/setup, login and logout, the caller's own account."""

from __future__ import annotations

import httpx
from test_api_support import (
    PASSWORD,
    ROOT_PASSWORD,
    ROOT_USERNAME,
    create_user,
    ok,
    refused,
    setup_root,
)


async def test_status_reports_setup_and_currency(app_client: httpx.AsyncClient) -> None:
    before = await ok(await app_client.get("/api/status"))
    assert before["setup"] is False
    assert before["quota_per_unit"] == 500000
    assert before["quota_display_type"] == "USD"
    assert before["password_login_enabled"] is True
    await setup_root(app_client)
    after = await ok(await app_client.get("/api/status"))
    assert after["setup"] is True
    assert after["system_name"] == "relaygate"


async def test_setup_runs_once(app_client: httpx.AsyncClient) -> None:
    state = await ok(await app_client.get("/api/setup"))
    assert state == {"status": False, "root_init": False, "database_type": state["database_type"]}
    assert state["database_type"] in ("sqlite", "postgres", "mysql")
    mismatch = {"username": "root", "password": "password-1", "confirmPassword": "password-2"}
    assert "不一致" in refused(await app_client.post("/api/setup", json=mismatch))
    short = {"username": "root", "password": "short", "confirmPassword": "short"}
    assert refused(await app_client.post("/api/setup", json=short))

    body = {
        "username": ROOT_USERNAME,
        "password": ROOT_PASSWORD,
        "confirmPassword": ROOT_PASSWORD,
        "SelfUseModeEnabled": True,
    }
    await ok(await app_client.post("/api/setup", json=body))
    assert (await ok(await app_client.get("/api/setup")))["status"] is True
    assert (await ok(await app_client.get("/api/status")))["self_use_mode_enabled"] is True

    again = {**body, "username": "second"}
    assert "初始化" in refused(await app_client.post("/api/setup", json=again))


async def test_login_good_and_bad_password(app_client: httpx.AsyncClient) -> None:
    await setup_root(app_client)
    wrong = {"username": ROOT_USERNAME, "password": "not-the-password"}
    assert refused(await app_client.post("/api/user/login", json=wrong))
    assert "session" not in app_client.cookies

    good = {"username": ROOT_USERNAME, "password": ROOT_PASSWORD}
    data = await ok(await app_client.post("/api/user/login", json=good))
    assert set(data) == {"id", "username", "display_name", "role", "status", "group"}
    assert data["role"] == 100
    assert "session" in app_client.cookies

    headers = {"New-Api-User": str(data["id"])}
    me = await ok(await app_client.get("/api/user/self", headers=headers))
    assert me["username"] == ROOT_USERNAME
    assert me["quota"] == 100_000_000
    assert "password" not in me
    assert "access_token" not in me
    assert me["has_access_token"] is True  # setup_root generated one

    await ok(await app_client.get("/api/user/logout"))
    response = await app_client.get("/api/user/self", headers=headers)
    assert response.status_code == 401


async def test_new_api_user_header_is_required(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    await app_client.post(
        "/api/user/login", json={"username": ROOT_USERNAME, "password": ROOT_PASSWORD}
    )
    response = await app_client.get("/api/user/self")
    assert response.status_code == 401
    assert response.json()["success"] is False
    mismatched = await app_client.get("/api/user/self", headers={"New-Api-User": "999"})
    assert mismatched.status_code == 401
    app_client.cookies.clear()
    token_only = {"Authorization": root.headers["Authorization"]}
    assert (await app_client.get("/api/user/self", headers=token_only)).status_code == 401
    assert (await ok(await app_client.get("/api/user/self", headers=root.headers)))["id"] == root.id


async def test_common_user_cannot_call_admin_routes(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    user = await create_user(app_client, root, "alice")
    for method, path in [
        ("GET", "/api/user/"),
        ("GET", "/api/channel/"),
        ("GET", "/api/log/"),
        ("GET", "/api/option/"),
        ("POST", "/api/user/manage"),
    ]:
        response = await app_client.request(method, path, headers=user.headers, json={})
        assert "权限不足" in refused(response), path


async def test_update_self_password_needs_original(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    user = await create_user(app_client, root, "bob")
    wrong = {"password": "new-password-1", "original_password": "nope"}
    assert "原密码" in refused(
        await app_client.put("/api/user/self", json=wrong, headers=user.headers)
    )
    right = {"password": "new-password-1", "original_password": PASSWORD, "display_name": "Bob"}
    await ok(await app_client.put("/api/user/self", json=right, headers=user.headers))
    relogin = {"username": "bob", "password": "new-password-1"}
    assert (await ok(await app_client.post("/api/user/login", json=relogin)))[
        "display_name"
    ] == "Bob"


async def test_regenerated_access_token_replaces_old(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    token = await ok(await app_client.get("/api/user/token", headers=root.headers))
    assert len(token) == 32
    int(token, 16)
    refused(await app_client.get("/api/user/self", headers=root.headers))
    fresh = {"Authorization": token, "New-Api-User": str(root.id)}
    await ok(await app_client.get("/api/user/self", headers=fresh))
