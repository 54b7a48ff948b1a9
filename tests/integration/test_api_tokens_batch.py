"""/api/token batches, status search, per-user maximum, auto group, and the key-authenticated
/api/usage/token/ and /api/log/token routes."""

from __future__ import annotations

import time
from typing import Any

import httpx
from test_api_support import Actor, create_user, ok, refused, runtime_of, setup_root

from relaygate.db.models.log import Log
from relaygate.runtime import TOPIC_TOKENS


async def _create(client: httpx.AsyncClient, owner: Actor, **fields: Any) -> dict[str, Any]:
    body = {"name": "t", "remain_quota": 1000, "expired_time": -1, **fields}
    created: dict[str, Any] = await ok(
        await client.post("/api/token/", json=body, headers=owner.headers)
    )
    return created


async def test_batch_delete_and_batch_keys_stay_within_the_owner(
    app_client: httpx.AsyncClient,
) -> None:
    root = await setup_root(app_client)
    owner = await create_user(app_client, root, "owner")
    other = await create_user(app_client, root, "other")
    mine = [await _create(app_client, owner, name=f"k{i}") for i in range(3)]
    theirs = await _create(app_client, other)
    ids = [t["id"] for t in mine]

    keys = await app_client.post(
        "/api/token/batch/keys", json={"ids": [*ids, theirs["id"]]}, headers=owner.headers
    )
    assert keys.headers["cache-control"] == "no-store"
    assert keys.json()["data"] == {"keys": {str(t["id"]): t["key"] for t in mine}}
    assert "无效" in refused(
        await app_client.post("/api/token/batch/keys", json={"ids": []}, headers=owner.headers)
    )
    too_many = {"ids": list(range(1, 102))}
    assert "100" in refused(
        await app_client.post("/api/token/batch/keys", json=too_many, headers=owner.headers)
    )

    published: list[str] = []

    async def listener(topic: str, payload: str) -> None:
        if topic == TOPIC_TOKENS:
            published.append(payload)

    runtime_of(app_client).bus.subscribe(listener)
    deleted = await ok(
        await app_client.post(
            "/api/token/batch", json={"ids": [ids[0], ids[1], theirs["id"]]}, headers=owner.headers
        )
    )
    assert deleted == 2
    assert sorted(published) == sorted([mine[0]["key"], mine[1]["key"]])
    assert (await ok(await app_client.get("/api/token/", headers=owner.headers)))["total"] == 1
    assert (await ok(await app_client.get("/api/token/", headers=other.headers)))["total"] == 1


async def test_search_by_status_and_key_and_stats(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    live = await _create(app_client, root, name="live")
    await _create(app_client, root, name="old", expired_time=int(time.time()) - 5)
    await _create(app_client, root, name="empty", remain_quota=0)
    off = await _create(app_client, root, name="off")
    await ok(
        await app_client.put(
            "/api/token/?status_only=1", json={"id": off["id"], "status": 2}, headers=root.headers
        )
    )

    async def names(query: str) -> list[str]:
        page = await ok(await app_client.get(f"/api/token/search?{query}", headers=root.headers))
        return sorted(item["name"] for item in page["items"])

    assert await names("status=1") == ["live"]
    assert await names("status=2") == ["off"]
    assert await names("status=3") == ["old"]
    assert await names("status=4") == ["empty"]
    assert await names("status=x") == []
    assert await names(f"token=sk-{live['key']}") == ["live"]
    assert await names(f"token={live['key'][:6]}%25") == ["live"]
    assert "%" in refused(
        await app_client.get("/api/token/search?keyword=a%25%25", headers=root.headers)
    )
    page = await ok(await app_client.get("/api/token/", headers=root.headers))
    assert page["stats"] == {"total": 4, "enabled": 1, "disabled": 1, "expired": 1, "exhausted": 1}


async def test_per_user_maximum_auto_group_and_preserved_model_access(
    app_client: httpx.AsyncClient,
) -> None:
    root = await setup_root(app_client)
    await ok(
        await app_client.put(
            "/api/option/",
            json={"key": "token_setting.max_user_tokens", "value": "2"},
            headers=root.headers,
        )
    )
    first = await _create(app_client, root, group="auto", cross_group_retry=True)
    await _create(app_client, root, model_limits_enabled=True, model_limits="gpt-4o")
    assert "2" in refused(
        await app_client.post("/api/token/", json={"name": "third"}, headers=root.headers)
    )
    shown = await ok(await app_client.get(f"/api/token/{first['id']}", headers=root.headers))
    assert (shown["group"], shown["cross_group_retry"]) == ("auto", True)

    update = {
        "id": first["id"],
        "name": "renamed",
        "remain_quota": 5,
        "group": "vip",
        "model_limits_enabled": True,
        "model_limits": "o3",
        "preserve_model_access": True,
    }
    kept = await ok(await app_client.put("/api/token/", json=update, headers=root.headers))
    assert (kept["name"], kept["group"], kept["model_limits_enabled"]) == ("renamed", "auto", False)


async def test_usage_and_logs_by_presented_key(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    token = await _create(
        app_client, root, name="script", model_limits_enabled=True, model_limits="a,b"
    )
    other = await _create(app_client, root, name="other")
    async with runtime_of(app_client).database.unit_of_work() as session:
        for i in range(3):
            session.add(
                Log(
                    user_id=root.id,
                    token_id=token["id"],
                    type=2,
                    quota=10 * i,
                    content=f"c{i}",
                    other='{"admin_info": {"x": 1}, "cache_tokens": 0}',
                )
            )
        session.add(Log(user_id=root.id, token_id=other["id"], type=2, content="not mine"))

    bearer = {"Authorization": f"Bearer sk-{token['key']}"}
    usage = await app_client.get("/api/usage/token/", headers=bearer)
    assert usage.status_code == 200
    assert usage.headers["access-control-allow-origin"] == "*"
    assert usage.json() == {
        "code": True,
        "message": "ok",
        "data": {
            "object": "token_usage",
            "name": "script",
            "total_granted": 1000,
            "total_used": 0,
            "total_available": 1000,
            "unlimited_quota": False,
            "model_limits": {"a": True, "b": True},
            "model_limits_enabled": True,
            "expires_at": 0,
        },
    }
    logs = (await app_client.get("/api/log/token", headers=bearer)).json()
    assert logs["success"] is True
    assert [row["content"] for row in logs["data"]] == ["c2", "c1", "c0"]
    assert [row["id"] for row in logs["data"]] == [1, 2, 3]
    assert logs["data"][0]["other"] == '{"cache_tokens":0}'

    missing = await app_client.get("/api/usage/token/")
    assert missing.status_code == 401
    assert missing.json()["success"] is False
    wrong = await app_client.get("/api/log/token", headers={"Authorization": "Bearer sk-nope"})
    assert wrong.status_code == 401


async def test_reveal_key_is_rate_limited(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    token = await _create(app_client, root)
    path = f"/api/token/{token['id']}/key"
    statuses = [(await app_client.post(path, headers=root.headers)).status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
