"""Redemption codes: admin batches and management, and redeeming a code exactly once."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select
from test_api_support import create_user, ok, refused, runtime_of, setup_root

from relaygate.db.models.log import LOG_TYPE_TOPUP, Log
from relaygate.db.models.user import User
from relaygate.kit import clock


async def _quota(client: httpx.AsyncClient, user_id: int) -> int:
    async with runtime_of(client).database.reader() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user.quota


async def test_batch_create_list_update_delete(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    body = {"name": "promo", "quota": 1000, "count": 3, "expired_time": 0}
    keys = await ok(await app_client.post("/api/redemption/", json=body, headers=root.headers))
    assert len(keys) == 3 and len(set(keys)) == 3
    assert all(len(k) == 32 for k in keys)

    assert "100" in refused(
        await app_client.post("/api/redemption/", json={**body, "count": 101}, headers=root.headers)
    )
    assert refused(
        await app_client.post("/api/redemption/", json={**body, "name": ""}, headers=root.headers)
    )
    past = {**body, "expired_time": clock.now() - 10}
    assert "过期" in refused(
        await app_client.post("/api/redemption/", json=past, headers=root.headers)
    )
    assert "权限不足" in refused(await app_client.get("/api/redemption/", headers=alice.headers))

    page = await ok(await app_client.get("/api/redemption/?p=1&page_size=2", headers=root.headers))
    assert page["total"] == 3 and len(page["items"]) == 2
    first = page["items"][0]
    assert set(first) >= {"id", "key", "status", "name", "quota", "created_time", "expired_time"}
    found = await ok(
        await app_client.get("/api/redemption/search?keyword=pro", headers=root.headers)
    )
    assert found["total"] == 3
    by_id = await ok(
        await app_client.get(f"/api/redemption/search?keyword={first['id']}", headers=root.headers)
    )
    assert first["id"] in [item["id"] for item in by_id["items"]]

    edited = await ok(
        await app_client.put(
            "/api/redemption/",
            json={"id": first["id"], "name": "renamed", "quota": 5, "expired_time": 0},
            headers=root.headers,
        )
    )
    assert (edited["name"], edited["quota"]) == ("renamed", 5)
    disabled = await ok(
        await app_client.put(
            "/api/redemption/?status_only=1",
            json={"id": first["id"], "status": 2},
            headers=root.headers,
        )
    )
    assert (disabled["status"], disabled["name"]) == (2, "renamed")
    got = await ok(await app_client.get(f"/api/redemption/{first['id']}", headers=root.headers))
    assert got["status"] == 2

    # keys[2] is the newest (disabled above); redeem the oldest, so one code is used, one disabled, one still valid.
    await ok(await app_client.post("/api/user/topup", json={"key": keys[0]}, headers=alice.headers))
    assert await ok(await app_client.delete("/api/redemption/invalid", headers=root.headers)) == 2
    remaining = await ok(await app_client.get("/api/redemption/", headers=root.headers))
    assert remaining["total"] == 1
    last = remaining["items"][0]["id"]
    await ok(await app_client.delete(f"/api/redemption/{last}", headers=root.headers))
    assert (await ok(await app_client.get("/api/redemption/", headers=root.headers)))["total"] == 0
    assert refused(await app_client.delete(f"/api/redemption/{last}", headers=root.headers))


async def test_redeem_once_under_concurrency(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    bob = await create_user(app_client, root, "bob")
    body = {"name": "race", "quota": 7777, "count": 1}
    [key] = await ok(await app_client.post("/api/redemption/", json=body, headers=root.headers))
    before = {a.id: await _quota(app_client, a.id) for a in (alice, bob)}

    attempts = [alice, bob] * 6
    responses = await asyncio.gather(
        *(
            app_client.post("/api/user/topup", json={"key": key}, headers=a.headers)
            for a in attempts
        )
    )
    bodies = [r.json() for r in responses]
    assert all(r.status_code == 200 for r in responses)
    winners = [a for a, b in zip(attempts, bodies, strict=True) if b["success"]]
    assert len(winners) == 1, bodies
    assert bodies[attempts.index(winners[0])]["data"] == 7777
    assert {b["message"] for b in bodies if not b["success"]} == {"该兑换码已被使用"}

    after = {a.id: await _quota(app_client, a.id) for a in (alice, bob)}
    gained = {uid: after[uid] - before[uid] for uid in after}
    assert sorted(gained.values()) == [0, 7777]
    async with runtime_of(app_client).database.reader() as session:
        rows = (
            (await session.execute(select(Log).where(Log.type == LOG_TYPE_TOPUP))).scalars().all()
        )
    assert len(rows) == 1 and rows[0].user_id == winners[0].id
    assert "兑换码" in rows[0].content

    code = (await ok(await app_client.get("/api/redemption/", headers=root.headers)))["items"][0]
    assert (code["status"], code["used_user_id"]) == (3, winners[0].id)


async def test_redeem_refusals(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    assert refused(
        await app_client.post("/api/user/topup", json={"key": ""}, headers=alice.headers)
    )
    assert "无效" in refused(
        await app_client.post("/api/user/topup", json={"key": "0" * 32}, headers=alice.headers)
    )
    soon = clock.now() + 1
    [key] = await ok(
        await app_client.post(
            "/api/redemption/",
            json={"name": "soon", "quota": 1, "count": 1, "expired_time": soon},
            headers=root.headers,
        )
    )
    await asyncio.sleep(2.1)
    assert "过期" in refused(
        await app_client.post("/api/user/topup", json={"key": key}, headers=alice.headers)
    )
    assert await _quota(app_client, alice.id) == 0
