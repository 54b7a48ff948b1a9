"""/api/token: a user's own keys, masked in lists, full only on create and on request."""

from __future__ import annotations

import time
from typing import Any

import httpx
from sqlalchemy import select
from test_api_support import Actor, create_user, ok, refused, runtime_of, setup_root

from relaygate.db.models.token import Token
from relaygate.runtime import TOPIC_TOKENS


async def _create(client: httpx.AsyncClient, owner: Actor, **fields: Any) -> dict[str, Any]:
    body = {"name": "main", "remain_quota": 1000, "expired_time": -1, **fields}
    created: dict[str, Any] = await ok(
        await client.post("/api/token/", json=body, headers=owner.headers)
    )
    return created


async def test_token_crud_masks_keys(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    user = await create_user(app_client, root, "carol")
    created = await _create(
        app_client,
        user,
        model_limits_enabled=True,
        model_limits="gpt-4o, gpt-4o-mini,,gpt-4o",
        allow_ips="10.0.0.1, 192.168.0.0/24",
        group="vip",
    )
    key = created["key"]
    assert len(key) == 48
    assert key.isalnum()
    token_id = created["id"]

    listed = await ok(await app_client.get("/api/token/?p=1&size=5", headers=user.headers))
    assert listed["total"] == 1
    assert listed["page_size"] == 5
    item = listed["items"][0]
    assert item["key"] == key[:4] + "**********" + key[-4:]
    assert item["model_limits"] == "gpt-4o,gpt-4o-mini"
    assert item["allow_ips"] == "10.0.0.1\n192.168.0.0/24"
    assert item["group"] == "vip"
    assert item["status"] == 1
    assert key not in (await app_client.get("/api/token/", headers=user.headers)).text

    one = await ok(await app_client.get(f"/api/token/{token_id}", headers=user.headers))
    assert one["key"] == item["key"]
    revealed = await ok(await app_client.post(f"/api/token/{token_id}/key", headers=user.headers))
    assert revealed == {"key": key}

    # new-api: an exact name unless % asks for a fuzzy match
    exact = await ok(await app_client.get("/api/token/search?keyword=mai", headers=user.headers))
    assert exact["total"] == 0
    found = await ok(await app_client.get("/api/token/search?keyword=mai%25", headers=user.headers))
    assert [t["id"] for t in found["items"]] == [token_id]
    assert found["stats"] == {"total": 1, "enabled": 1, "disabled": 0, "expired": 0, "exhausted": 0}
    by_key = await ok(
        await app_client.get(f"/api/token/search?token=sk-{key}", headers=user.headers)
    )
    assert by_key["total"] == 1
    none = await ok(await app_client.get("/api/token/search?keyword=zzz", headers=user.headers))
    assert none["total"] == 0

    update = {
        "id": token_id,
        "name": "renamed",
        "remain_quota": 50,
        "expired_time": -1,
        "unlimited_quota": False,
        "status": 1,
    }
    updated = await ok(await app_client.put("/api/token/", json=update, headers=user.headers))
    assert updated["name"] == "renamed"
    assert updated["remain_quota"] == 50
    assert updated["key"] == item["key"]

    status_only = {"id": token_id, "status": 2, "name": "ignored"}
    disabled = await ok(
        await app_client.put("/api/token/?status_only=true", json=status_only, headers=user.headers)
    )
    assert disabled["status"] == 2
    assert disabled["name"] == "renamed"

    await ok(await app_client.delete(f"/api/token/{token_id}", headers=user.headers))
    assert (await ok(await app_client.get("/api/token/", headers=user.headers)))["total"] == 0
    refused(await app_client.get(f"/api/token/{token_id}", headers=user.headers))


async def test_users_cannot_touch_each_others_tokens(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    owner = await create_user(app_client, root, "owner")
    other = await create_user(app_client, root, "other")
    token_id = (await _create(app_client, owner))["id"]

    refused(await app_client.get(f"/api/token/{token_id}", headers=other.headers))
    refused(await app_client.post(f"/api/token/{token_id}/key", headers=other.headers))
    steal = {"id": token_id, "name": "mine now", "remain_quota": 1}
    refused(await app_client.put("/api/token/", json=steal, headers=other.headers))
    refused(await app_client.delete(f"/api/token/{token_id}", headers=other.headers))
    assert (await ok(await app_client.get("/api/token/", headers=other.headers)))["total"] == 0
    # root is no exception: tokens are always per user
    refused(await app_client.get(f"/api/token/{token_id}", headers=root.headers))
    mine = await ok(await app_client.get(f"/api/token/{token_id}", headers=owner.headers))
    assert mine["name"] == "main"


async def test_token_validation(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    headers = root.headers
    post = app_client.post
    assert "过长" in refused(await post("/api/token/", json={"name": "x" * 51}, headers=headers))
    assert "负数" in refused(
        await post("/api/token/", json={"name": "n", "remain_quota": -1}, headers=headers)
    )
    assert "IP" in refused(
        await post("/api/token/", json={"name": "n", "allow_ips": "not-an-ip"}, headers=headers)
    )
    assert "分组" in refused(
        await post("/api/token/", json={"name": "n", "group": "svip"}, headers=headers)
    )
    unlimited = await _create(app_client, root, unlimited_quota=True, remain_quota=0)
    assert unlimited["id"]

    past = int(time.time()) - 10
    expired = await _create(app_client, root, name="old", expired_time=past)
    listed = await ok(await app_client.get("/api/token/search?keyword=old", headers=headers))
    assert listed["items"][0]["status"] == 3  # effective status: expired

    exhausted = await _create(app_client, root, name="empty", remain_quota=0)
    empty = await ok(await app_client.get(f"/api/token/{exhausted['id']}", headers=headers))
    assert empty["status"] == 4
    bad_status = {"id": expired["id"], "status": 7}
    refused(await app_client.put("/api/token/?status_only=1", json=bad_status, headers=headers))


async def test_token_writes_publish_key_after_commit(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    runtime = runtime_of(app_client)
    seen: list[tuple[str, bool]] = []

    async def listener(topic: str, payload: str) -> None:
        if topic != TOPIC_TOKENS:
            return
        # A listener runs another session: it only sees the row if the write has committed.
        async with runtime.database.reader() as session:
            row = (await session.execute(select(Token).where(Token.key == payload))).scalar()
        seen.append((payload, row is not None))

    runtime.bus.subscribe(listener)
    created = await _create(app_client, root)
    await ok(
        await app_client.put(
            "/api/token/?status_only=true",
            json={"id": created["id"], "status": 2},
            headers=root.headers,
        )
    )
    await ok(await app_client.delete(f"/api/token/{created['id']}", headers=root.headers))
    assert seen == [(created["key"], True), (created["key"], True), (created["key"], False)]
