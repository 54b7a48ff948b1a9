"""/api/user admin routes: list, get, create, update, manage actions and the role ladder."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from test_api_support import PASSWORD, Actor, create_user, ok, refused, runtime_of, setup_root

from relaygate.db.models.log import LOG_TYPE_MANAGE, Log
from relaygate.runtime import TOPIC_TOKENS, TOPIC_USERS


async def _manage(client: httpx.AsyncClient, actor: Actor, **body: Any) -> httpx.Response:
    return await client.post("/api/user/manage", json=body, headers=actor.headers)


async def _user(client: httpx.AsyncClient, actor: Actor, user_id: int) -> dict[str, Any]:
    data: dict[str, Any] = await ok(await client.get(f"/api/user/{user_id}", headers=actor.headers))
    return data


async def test_list_get_create_update(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    admin = await create_user(app_client, root, "admin", role=10)
    alice = await create_user(app_client, admin, "alice")

    page = await ok(await app_client.get("/api/user/?p=0&page_size=2", headers=admin.headers))
    assert page["page"] == 1
    assert page["total"] == 3
    assert [item["username"] for item in page["items"]] == ["alice", "admin"]
    assert all("password" not in item and "access_token" not in item for item in page["items"])
    found = await ok(await app_client.get("/api/user/search?keyword=ali", headers=admin.headers))
    assert [item["id"] for item in found["items"]] == [alice.id]

    assert (await _user(app_client, admin, alice.id))["role"] == 1
    assert "同级" in refused(await app_client.get(f"/api/user/{root.id}", headers=admin.headers))
    higher = {"username": "boss", "password": PASSWORD, "role": 10}
    assert refused(await app_client.post("/api/user/", json=higher, headers=admin.headers))
    duplicate = {"username": "alice", "password": PASSWORD}
    assert refused(await app_client.post("/api/user/", json=duplicate, headers=admin.headers))

    update = {"id": alice.id, "display_name": "Alice", "group": "vip", "quota": 5000}
    await ok(await app_client.put("/api/user/", json=update, headers=admin.headers))
    edited = await _user(app_client, admin, alice.id)
    assert (edited["display_name"], edited["group"], edited["quota"]) == ("Alice", "vip", 5000)
    promote = {"id": alice.id, "role": 10}
    assert refused(await app_client.put("/api/user/", json=promote, headers=admin.headers))
    await ok(await app_client.put("/api/user/", json=promote, headers=root.headers))
    assert (await _user(app_client, root, alice.id))["role"] == 10
    demote_root = {"id": root.id, "role": 1}
    assert refused(await app_client.put("/api/user/", json=demote_root, headers=root.headers))


async def test_manage_actions(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    token = await ok(
        await app_client.post("/api/token/", json={"name": "k"}, headers=alice.headers)
    )
    published: list[tuple[str, str]] = []

    async def listener(topic: str, payload: str) -> None:
        published.append((topic, payload))

    runtime_of(app_client).bus.subscribe(listener)

    disabled = await ok(await _manage(app_client, root, id=alice.id, action="disable"))
    assert disabled == {"role": 1, "status": 2}
    assert (TOPIC_USERS, str(alice.id)) in published
    assert (TOPIC_TOKENS, token["key"]) in published
    assert "封禁" in refused(await app_client.get("/api/user/self", headers=alice.headers))
    assert (await ok(await _manage(app_client, root, id=alice.id, action="enable")))["status"] == 1
    await ok(await app_client.get("/api/user/self", headers=alice.headers))

    assert (await ok(await _manage(app_client, root, id=alice.id, action="promote")))["role"] == 10
    assert "已经是管理员" in refused(await _manage(app_client, root, id=alice.id, action="promote"))
    assert (await ok(await _manage(app_client, root, id=alice.id, action="demote")))["role"] == 1
    assert "普通用户" in refused(await _manage(app_client, root, id=alice.id, action="demote"))

    for mode, value, expected in [("add", 500, 500), ("subtract", 200, 300), ("override", 42, 42)]:
        body = {"id": alice.id, "action": "add_quota", "mode": mode, "value": value}
        assert await ok(await _manage(app_client, root, **body)) is None
        assert (await _user(app_client, root, alice.id))["quota"] == expected
    zero = {"id": alice.id, "action": "add_quota", "mode": "add", "value": 0}
    refused(await _manage(app_client, root, **zero))
    async with runtime_of(app_client).database.reader() as session:
        rows = await session.execute(
            select(Log).where(Log.user_id == alice.id, Log.type == LOG_TYPE_MANAGE)
        )
        contents = [row.content for row in rows.scalars()]
    assert len(contents) == 3
    assert "管理员增加用户额度" in contents[0]
    refused(await _manage(app_client, root, id=alice.id, action="explode"))

    await ok(await _manage(app_client, root, id=alice.id, action="delete"))
    assert refused(await _manage(app_client, root, id=alice.id, action="enable"))
    # deletion revokes the access token along with the account
    refused(await app_client.get("/api/user/self", headers=alice.headers))
    refused(
        await app_client.post("/api/user/login", json={"username": "alice", "password": PASSWORD})
    )


async def test_role_limits(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    admin = await create_user(app_client, root, "admin", role=10)
    other_admin = await create_user(app_client, root, "admin2", role=10)
    user = await create_user(app_client, root, "user")

    for action in ("disable", "delete", "demote"):
        assert "无权" in refused(await _manage(app_client, admin, id=other_admin.id, action=action))
        assert "无权" in refused(await _manage(app_client, admin, id=root.id, action=action))
    assert "无法提升" in refused(await _manage(app_client, admin, id=user.id, action="promote"))
    await ok(await _manage(app_client, admin, id=user.id, action="disable"))
    assert "不能删除" in refused(await _manage(app_client, root, id=root.id, action="delete"))
    assert "无法禁用" in refused(await _manage(app_client, root, id=root.id, action="disable"))
    assert "无法降级" in refused(await _manage(app_client, root, id=root.id, action="demote"))
    assert refused(await app_client.delete(f"/api/user/{other_admin.id}", headers=admin.headers))
    await ok(await app_client.delete(f"/api/user/{user.id}", headers=admin.headers))
    assert refused(await app_client.get(f"/api/user/{user.id}", headers=admin.headers))
    # the common user cannot manage anyone at all
    plain = await create_user(app_client, root, "plain")
    assert "权限不足" in refused(await _manage(app_client, plain, id=plain.id, action="enable"))
