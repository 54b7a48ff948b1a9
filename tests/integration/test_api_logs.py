"""/api/log: admin and self listings with filters, stats, purge."""

from __future__ import annotations

import time
from typing import Any

import httpx
from test_api_support import Actor, create_user, ok, refused, runtime_of, setup_root

from relaygate.db.models.channel import Channel
from relaygate.db.models.log import LOG_TYPE_CONSUME, LOG_TYPE_ERROR, Log


async def _seed(client: httpx.AsyncClient, alice: Actor, bob: Actor) -> dict[str, int]:
    now = int(time.time())
    async with runtime_of(client).database.unit_of_work() as session:
        channel = Channel(name="up-1", key="k", models="gpt-4o", group="default")
        session.add(channel)
        await session.flush()

        def row(user: Actor, name: str, **fields: Any) -> Log:
            values: dict[str, Any] = {
                "user_id": user.id,
                "username": name,
                "type": LOG_TYPE_CONSUME,
                "model_name": "gpt-4o",
                "token_name": "main",
                "quota": 100,
                "prompt_tokens": 10,
                "completion_tokens": 5,
                "channel_id": channel.id,
                "group": "default",
                "created_at": now,
                "other": '{"admin_info": {"admin_id": 1}, "model_ratio": 1}',
            }
            values.update(fields)
            return Log(**values)

        session.add_all(
            [
                row(alice, "alice"),
                row(alice, "alice", model_name="gpt-4o-mini", quota=50, created_at=now - 3600),
                row(alice, "alice", type=LOG_TYPE_ERROR, quota=0, content="upstream 500"),
                row(bob, "bob", token_name="bob-key", quota=7, group="vip"),
                row(bob, "bob", quota=1000, created_at=now - 86400 * 40),
            ]
        )
    return {"now": now, "channel": channel.id}


async def test_admin_log_list_filters(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    bob = await create_user(app_client, root, "bob")
    seeded = await _seed(app_client, alice, bob)

    async def query(params: str) -> dict[str, Any]:
        page: dict[str, Any] = await ok(
            await app_client.get(f"/api/log/?{params}", headers=root.headers)
        )
        return page

    everything = await query("p=1&page_size=2")
    assert everything["total"] == 5
    assert len(everything["items"]) == 2
    assert everything["items"][0]["channel"] == seeded["channel"]
    assert everything["items"][0]["channel_name"] == "up-1"
    assert (await query("username=alice"))["total"] == 3
    assert (await query("type=5"))["total"] == 1
    assert (await query("model_name=gpt-4o"))["total"] == 4
    assert (await query("model_name=gpt-4o-%25"))["total"] == 1
    assert (await query("token_name=bob-key"))["total"] == 1
    assert (await query("group=vip"))["total"] == 1
    assert (await query(f"channel={seeded['channel']}"))["total"] == 5
    assert (await query(f"start_timestamp={seeded['now'] - 60}"))["total"] == 3
    assert (await query(f"end_timestamp={seeded['now'] - 60}"))["total"] == 2

    stat = await ok(await app_client.get("/api/log/stat?username=alice", headers=root.headers))
    assert stat == {"quota": 150, "rpm": 1, "tpm": 15}
    everyone = await ok(await app_client.get("/api/log/stat", headers=root.headers))
    assert everyone["quota"] == 1157
    assert everyone["rpm"] == 2


async def test_self_logs_show_only_own_rows(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    bob = await create_user(app_client, root, "bob")
    await _seed(app_client, alice, bob)

    mine = await ok(await app_client.get("/api/log/self?username=bob", headers=alice.headers))
    assert mine["total"] == 3
    assert {item["username"] for item in mine["items"]} == {"alice"}
    assert [item["id"] for item in mine["items"]] == [1, 2, 3]
    assert all("admin_info" not in item["other"] for item in mine["items"])
    assert all(item["channel_name"] == "" for item in mine["items"])
    stat = await ok(await app_client.get("/api/log/self/stat", headers=alice.headers))
    assert stat == {"quota": 150, "rpm": 1, "tpm": 15}
    assert "权限不足" in refused(await app_client.get("/api/log/", headers=alice.headers))


async def test_delete_history_logs(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    bob = await create_user(app_client, root, "bob")
    seeded = await _seed(app_client, alice, bob)
    assert "required" in refused(await app_client.delete("/api/log/", headers=root.headers))
    cutoff = seeded["now"] - 86400 * 30
    deleted = await ok(
        await app_client.delete(f"/api/log/?target_timestamp={cutoff}", headers=root.headers)
    )
    assert deleted == 1
    assert (await ok(await app_client.get("/api/log/", headers=root.headers)))["total"] == 4
