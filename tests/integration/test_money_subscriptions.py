"""Subscription plans: admin CRUD, buying with wallet quota, admin grants and invalidation."""

from __future__ import annotations

import asyncio

import httpx
from test_api_support import create_user, ok, refused, runtime_of, setup_root

from relaygate.db.models.user import User


async def _user(client: httpx.AsyncClient, user_id: int) -> User:
    async with runtime_of(client).database.reader() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user


PLAN = {
    "title": "Pro",
    "price_amount": 2,
    "duration_unit": "day",
    "duration_value": 30,
    "total_amount": 1_000_000,
    "upgrade_group": "vip",
    "quota_reset_period": "daily",
}


async def test_plan_crud_and_balance_purchase(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    assert refused(
        await app_client.post(
            "/api/subscription/admin/plans", json={"plan": {"title": ""}}, headers=root.headers
        )
    )
    assert "升级分组" in refused(
        await app_client.post(
            "/api/subscription/admin/plans",
            json={"plan": {**PLAN, "upgrade_group": "nope"}},
            headers=root.headers,
        )
    )
    plan = await ok(
        await app_client.post(
            "/api/subscription/admin/plans", json={"plan": PLAN}, headers=root.headers
        )
    )
    assert (plan["title"], plan["allow_balance_pay"], plan["currency"]) == ("Pro", True, "USD")
    hidden = await ok(
        await app_client.post(
            "/api/subscription/admin/plans",
            json={"plan": {**PLAN, "title": "Off", "enabled": False}},
            headers=root.headers,
        )
    )
    listed = await ok(await app_client.get("/api/subscription/plans", headers=alice.headers))
    assert [item["plan"]["id"] for item in listed] == [plan["id"]]
    every = await ok(await app_client.get("/api/subscription/admin/plans", headers=root.headers))
    assert {item["plan"]["id"] for item in every} == {plan["id"], hidden["id"]}
    await ok(
        await app_client.put(
            f"/api/subscription/admin/plans/{plan['id']}",
            json={"plan": {**PLAN, "subtitle": "best"}},
            headers=root.headers,
        )
    )
    await ok(
        await app_client.patch(
            f"/api/subscription/admin/plans/{hidden['id']}",
            json={"enabled": True},
            headers=root.headers,
        )
    )
    assert (
        len(await ok(await app_client.get("/api/subscription/plans", headers=alice.headers))) == 2
    )
    assert "权限不足" in refused(
        await app_client.post(
            "/api/subscription/admin/plans", json={"plan": PLAN}, headers=alice.headers
        )
    )

    # Wallet too small: refused, nothing changes.
    assert "余额不足" in refused(
        await app_client.post(
            "/api/subscription/balance/pay", json={"plan_id": plan["id"]}, headers=alice.headers
        )
    )
    await ok(
        await app_client.post(
            "/api/user/manage",
            json={"id": alice.id, "action": "add_quota", "mode": "add", "value": 1_500_000},
            headers=root.headers,
        )
    )
    # Two concurrent purchases against a wallet that affords one: exactly one succeeds.
    responses = await asyncio.gather(
        *(
            app_client.post(
                "/api/subscription/balance/pay", json={"plan_id": plan["id"]}, headers=alice.headers
            )
            for _ in range(2)
        )
    )
    assert sorted(r.json()["success"] for r in responses) == [False, True]
    user = await _user(app_client, alice.id)
    assert (user.quota, user.group) == (500_000, "vip")

    mine = await ok(await app_client.get("/api/subscription/self", headers=alice.headers))
    [active] = mine["subscriptions"]
    sub = active["subscription"]
    assert (sub["plan_id"], sub["amount_total"], sub["source"], sub["status"]) == (
        plan["id"],
        1_000_000,
        "balance",
        "active",
    )
    assert sub["end_time"] - sub["start_time"] == 30 * 86400
    assert 0 < sub["next_reset_time"] - sub["start_time"] <= 86400
    assert sub["prev_user_group"] == "default"
    assert len(mine["all_subscriptions"]) == 1


async def test_admin_bind_invalidate_delete(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    plan = await ok(
        await app_client.post(
            "/api/subscription/admin/plans",
            json={"plan": {**PLAN, "max_purchase_per_user": 2}},
            headers=root.headers,
        )
    )
    bound = await ok(
        await app_client.post(
            "/api/subscription/admin/bind",
            json={"user_id": alice.id, "plan_id": plan["id"]},
            headers=root.headers,
        )
    )
    assert bound == {"message": "用户分组将升级到 vip"}
    await ok(
        await app_client.post(
            f"/api/subscription/admin/users/{alice.id}/subscriptions",
            json={"plan_id": plan["id"]},
            headers=root.headers,
        )
    )
    assert "上限" in refused(
        await app_client.post(
            f"/api/subscription/admin/users/{alice.id}/subscriptions",
            json={"plan_id": plan["id"]},
            headers=root.headers,
        )
    )
    history = await ok(
        await app_client.get(
            f"/api/subscription/admin/users/{alice.id}/subscriptions", headers=root.headers
        )
    )
    assert [item["subscription"]["source"] for item in history] == ["admin", "admin"]
    newest, oldest = (item["subscription"]["id"] for item in history)

    await ok(
        await app_client.post(
            f"/api/subscription/admin/user_subscriptions/{oldest}/invalidate", headers=root.headers
        )
    )
    mine = await ok(await app_client.get("/api/subscription/self", headers=alice.headers))
    assert [item["subscription"]["id"] for item in mine["subscriptions"]] == [newest]
    assert (await _user(app_client, alice.id)).group == "vip"  # the newest still grants it
    await ok(
        await app_client.delete(
            f"/api/subscription/admin/user_subscriptions/{newest}", headers=root.headers
        )
    )
    assert (
        len(
            await ok(
                await app_client.get(
                    f"/api/subscription/admin/users/{alice.id}/subscriptions", headers=root.headers
                )
            )
        )
        == 1
    )
    assert refused(
        await app_client.delete(
            f"/api/subscription/admin/user_subscriptions/{newest}", headers=root.headers
        )
    )
