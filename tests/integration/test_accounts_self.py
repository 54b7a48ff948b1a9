"""Self-service: daily check-in, affiliate transfer, user settings, usable groups, closing an account."""

from __future__ import annotations

import asyncio
import time

import httpx
from sqlalchemy import select, update
from test_accounts_support import set_options
from test_api_support import PASSWORD, create_user, ok, refused, runtime_of, setup_root

from relaygate.db.models.checkin import Checkin
from relaygate.db.models.user import User
from relaygate.kit import jsonx
from relaygate.runtime import TOPIC_TOKENS, TOPIC_USERS


async def _quota(client: httpx.AsyncClient, user_id: int) -> tuple[int, int]:
    async with runtime_of(client).database.reader() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user.quota, user.aff_quota


async def test_checkin(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    assert "未启用" in refused(await app_client.post("/api/user/checkin", headers=alice.headers))
    assert "未启用" in refused(await app_client.get("/api/user/checkin", headers=alice.headers))
    await set_options(
        app_client,
        root,
        checkin_setting__enabled="true",
        checkin_setting__min_quota="100",
        checkin_setting__max_quota="200",
    )
    answer = await app_client.post("/api/user/checkin", headers=alice.headers)
    assert answer.json()["message"] == "签到成功"
    record = await ok(answer)
    assert 100 <= record["quota_awarded"] <= 200
    assert record["checkin_date"] == time.strftime("%Y-%m-%d")
    assert (await _quota(app_client, alice.id))[0] == record["quota_awarded"]
    assert "今日已签到" in refused(
        await app_client.post("/api/user/checkin", headers=alice.headers)
    )

    status = await ok(await app_client.get("/api/user/checkin", headers=alice.headers))
    assert (status["enabled"], status["min_quota"], status["max_quota"]) == (True, 100, 200)
    stats = status["stats"]
    assert stats["checked_in_today"] is True
    assert (stats["total_checkins"], stats["checkin_count"]) == (1, 1)
    assert stats["total_quota"] == record["quota_awarded"]
    assert stats["records"] == [record]
    other_month = await app_client.get(
        "/api/user/checkin", params={"month": "2001-01"}, headers=alice.headers
    )
    assert (await ok(other_month))["stats"]["records"] == []
    bad = await app_client.get("/api/user/checkin", params={"month": "x"}, headers=alice.headers)
    assert refused(bad)
    refused_anon = await app_client.post("/api/user/checkin")
    assert refused_anon.status_code == 401


async def test_concurrent_checkins_pay_once(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    bob = await create_user(app_client, root, "bob")
    await set_options(app_client, root, checkin_setting__enabled="true")
    answers = await asyncio.gather(
        *(app_client.post("/api/user/checkin", headers=bob.headers) for _ in range(4))
    )
    assert [a.status_code for a in answers] == [200] * 4
    assert sum(a.json()["success"] for a in answers) == 1
    async with runtime_of(app_client).database.reader() as session:
        rows = (await session.execute(select(Checkin).where(Checkin.user_id == bob.id))).all()
    assert len(rows) == 1
    won = next(a.json()["data"] for a in answers if a.json()["success"])
    assert (await _quota(app_client, bob.id))[0] == won["quota_awarded"]


async def test_aff_transfer(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    async with runtime_of(app_client).database.unit_of_work() as session:
        await session.execute(update(User).where(User.id == alice.id).values(aff_quota=1_200_000))

    async def transfer(quota: int) -> httpx.Response:
        body = {"quota": quota}
        return await app_client.post("/api/user/aff_transfer", json=body, headers=alice.headers)

    assert "最小" in refused(await transfer(1000))
    answer = await transfer(500_000)
    assert answer.json()["message"] == "划转成功"
    await ok(answer)
    assert await _quota(app_client, alice.id) == (500_000, 700_000)
    assert "不足" in refused(await transfer(800_000))
    assert await _quota(app_client, alice.id) == (500_000, 700_000)


async def test_user_setting(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")

    async def put(**body: object) -> httpx.Response:
        return await app_client.put("/api/user/setting", json=body, headers=alice.headers)

    assert "预警类型" in refused(await put(notify_type="pigeon", quota_warning_threshold=1))
    assert "阈值" in refused(await put(notify_type="email", quota_warning_threshold=0))
    assert "不能为空" in refused(await put(notify_type="webhook", quota_warning_threshold=5))
    bad_url = await put(notify_type="webhook", quota_warning_threshold=5, webhook_url="nope")
    assert "无效" in refused(bad_url)
    good = await put(
        notify_type="webhook",
        quota_warning_threshold=5000,
        webhook_url="https://hooks.example/notify",
        webhook_secret="s3cret",
        accept_unset_model_ratio_model=True,
        upstream_model_update_notify_enabled=True,
    )
    assert good.json()["message"] == "设置已更新"
    await ok(good)
    async with runtime_of(app_client).database.reader() as session:
        user = await session.get(User, alice.id)
        assert user is not None
        stored = jsonx.loads(user.setting)
    assert stored["notify_type"] == "webhook"
    assert stored["quota_warning_threshold"] == 5000
    assert stored["webhook_url"] == "https://hooks.example/notify"
    assert stored["webhook_secret"] == "s3cret"
    assert stored["accept_unset_model_ratio_model"] is True
    assert "upstream_model_update_notify_enabled" not in stored  # admins only
    # a later email setting keeps the webhook fields and leaves the secret untouched
    await ok(
        await put(notify_type="email", quota_warning_threshold=10, notification_email="a@b.cc")
    )
    async with runtime_of(app_client).database.reader() as session:
        user = await session.get(User, alice.id)
        assert user is not None
        stored = jsonx.loads(user.setting)
    assert (stored["notify_type"], stored["notification_email"]) == ("email", "a@b.cc")
    assert stored["webhook_secret"] == "s3cret"


async def test_usable_groups(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    await set_options(
        app_client,
        root,
        GroupRatio=jsonx.dumps_str({"default": 1, "vip": 2, "svip": 3, "secret": 5}),
        UserUsableGroups=jsonx.dumps_str({"default": "默认", "vip": "VIP", "auto": "自动选择"}),
        GroupGroupRatio=jsonx.dumps_str({"svip": {"vip": 0.5}}),
    )
    public = await ok(await app_client.get("/api/user/groups"))
    assert public == {
        "default": {"ratio": 1.0, "desc": "默认"},
        "vip": {"ratio": 2.0, "desc": "VIP"},
        "auto": {"ratio": "自动", "desc": "自动选择"},
    }
    own = await ok(await app_client.get("/api/user/self/groups", headers=alice.headers))
    assert own == public
    # a user in an unlisted group sees it as 用户分组, with their special ratios applied
    edit = {"id": alice.id, "group": "svip"}
    await ok(await app_client.put("/api/user/", json=edit, headers=root.headers))
    own = await ok(await app_client.get("/api/user/self/groups", headers=alice.headers))
    assert own["svip"] == {"ratio": 3.0, "desc": "用户分组"}
    assert own["vip"]["ratio"] == 0.5
    assert "secret" not in own
    assert (await app_client.get("/api/user/self/groups")).status_code == 401


async def test_delete_self(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    token = await ok(
        await app_client.post("/api/token/", json={"name": "k"}, headers=alice.headers)
    )
    published: list[tuple[str, str]] = []

    async def listener(topic: str, payload: str) -> None:
        published.append((topic, payload))

    runtime_of(app_client).bus.subscribe(listener)
    assert "超级管理员" in refused(await app_client.delete("/api/user/self", headers=root.headers))
    await ok(await app_client.delete("/api/user/self", headers=alice.headers))
    assert (TOPIC_USERS, str(alice.id)) in published
    assert (TOPIC_TOKENS, token["key"]) in published
    assert (await app_client.get("/api/user/self", headers=alice.headers)).json()[
        "success"
    ] is False
    login = {"username": "alice", "password": PASSWORD}
    refused(await app_client.post("/api/user/login", json=login))
    async with runtime_of(app_client).database.reader() as session:
        row = await session.get(User, alice.id)
        assert row is not None
        assert row.deleted_at
