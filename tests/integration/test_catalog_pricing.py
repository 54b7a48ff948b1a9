"""Catalog: /api/pricing, model lists, model/vendor metadata (name rules), prefill groups, groups."""

from __future__ import annotations

from typing import Any

import httpx
from test_api_support import Actor, create_user, ok, refused, runtime_of, setup_root

from relaygate.db.models.ability import Ability
from relaygate.db.models.channel import Channel
from relaygate.kit import jsonx

OPENAI, ANTHROPIC = 1, 14


async def _seed(client: httpx.AsyncClient) -> dict[str, int]:
    """Two channels: OpenAI (gpt-4o, gpt-4o-mini, dall-e-3 in default; gpt-4o in vip) and
    Anthropic (claude-x in vip); one disabled ability that must never show."""
    async with runtime_of(client).database.unit_of_work() as session:
        openai = Channel(name="oa", type=OPENAI, key="k", models="gpt-4o,gpt-4o-mini,dall-e-3")
        claude = Channel(name="cl", type=ANTHROPIC, key="k", models="claude-x")
        session.add_all([openai, claude])
        await session.flush()
        session.add_all(
            [
                Ability(group="default", model="gpt-4o", channel_id=openai.id),
                Ability(group="vip", model="gpt-4o", channel_id=openai.id),
                Ability(group="default", model="gpt-4o-mini", channel_id=openai.id),
                Ability(group="default", model="dall-e-3", channel_id=openai.id),
                Ability(group="vip", model="claude-x", channel_id=claude.id),
                Ability(group="default", model="hidden-model", channel_id=claude.id, enabled=False),
            ]
        )
    return {"openai": openai.id, "claude": claude.id}


async def _set_option(client: httpx.AsyncClient, root: Actor, key: str, value: Any) -> None:
    await ok(
        await client.put("/api/option/", json={"key": key, "value": value}, headers=root.headers)
    )


async def test_pricing_lists_enabled_models_with_ratios_groups_and_vendor(
    app_client: httpx.AsyncClient,
) -> None:
    root = await setup_root(app_client)
    await _seed(app_client)
    await _set_option(app_client, root, "UserUsableGroups", jsonx.dumps_str({"default": "默认"}))
    vendor = await ok(
        await app_client.post(
            "/api/vendors/", json={"name": "OpenAI", "icon": "OpenAI"}, headers=root.headers
        )
    )

    response = await app_client.get("/api/pricing")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    by_name = {item["model_name"]: item for item in body["data"]}
    # anonymous sees the usable groups only: claude-x (vip only) is not listed
    assert set(by_name) == {"dall-e-3", "gpt-4o", "gpt-4o-mini"}
    gpt = by_name["gpt-4o"]
    assert gpt["quota_type"] == 0
    assert gpt["model_ratio"] == 1.25
    assert gpt["completion_ratio"] == 4
    assert gpt["cache_ratio"] == 0.5
    assert gpt["enable_groups"] == ["default"]
    assert gpt["supported_endpoint_types"] == ["openai"]
    assert gpt["vendor_id"] == vendor["id"]  # matched by new-api's default vendor rules
    dalle = by_name["dall-e-3"]
    assert dalle["quota_type"] == 1
    assert dalle["model_price"] == 0.04
    assert dalle["supported_endpoint_types"] == ["image-generation", "openai"]
    assert body["usable_group"] == {"default": "默认"}
    assert body["group_ratio"] == {"default": 1}
    assert body["vendors"] == [{"id": vendor["id"], "name": "OpenAI", "icon": "OpenAI"}]
    assert body["supported_endpoint"]["openai"] == {
        "path": "/v1/chat/completions",
        "method": "POST",
    }

    # a vip user also sees claude-x, through their own group
    vip = await create_user(app_client, root, "vipuser")
    await ok(
        await app_client.put(
            "/api/user/",
            json={"id": vip.id, "username": "vipuser", "group": "vip", "display_name": "v"},
            headers=root.headers,
        )
    )
    mine = (await app_client.get("/api/pricing", headers=vip.headers)).json()
    names = {item["model_name"]: item["enable_groups"] for item in mine["data"]}
    assert names["claude-x"] == ["vip"]
    assert names["gpt-4o"] == ["default", "vip"]
    assert mine["usable_group"]["vip"] == "用户分组"

    # the pricing module can be switched off, or made login-only
    await _set_option(app_client, root, "HeaderNavModules", '{"pricing": {"requireAuth": true}}')
    assert (await app_client.get("/api/pricing")).status_code == 401
    assert (await app_client.get("/api/pricing", headers=vip.headers)).status_code == 200
    await _set_option(app_client, root, "HeaderNavModules", '{"pricing": false}')
    assert (await app_client.get("/api/pricing")).status_code == 403


async def test_model_meta_rules_hide_describe_and_enrich(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    await _seed(app_client)
    exact = await ok(
        await app_client.post(
            "/api/models/",
            json={"model_name": " gpt-4o ", "description": "flagship", "tags": "chat"},
            headers=root.headers,
        )
    )
    assert exact["model_name"] == "gpt-4o"
    assert "模型名称已存在" in refused(
        await app_client.post("/api/models/", json={"model_name": "gpt-4o"}, headers=root.headers)
    )
    assert "不能为空" in refused(
        await app_client.post("/api/models/", json={"model_name": "  "}, headers=root.headers)
    )
    rule = await ok(
        await app_client.post(
            "/api/models/",
            json={"model_name": "gpt-4o-", "name_rule": 1, "description": "family"},
            headers=root.headers,
        )
    )
    await ok(
        await app_client.post(
            "/api/models/",
            json={"model_name": "dall-e-3", "status": 0},
            headers=root.headers,
        )
    )

    pricing = {i["model_name"]: i for i in (await app_client.get("/api/pricing")).json()["data"]}
    assert pricing["gpt-4o"]["description"] == "flagship"
    assert pricing["gpt-4o-mini"]["description"] == "family"  # prefix rule
    assert "dall-e-3" not in pricing  # status 0 hides it

    page = await ok(await app_client.get("/api/models/?p=1&page_size=10", headers=root.headers))
    assert page["total"] == 3
    listed = {item["model_name"]: item for item in page["items"]}
    assert listed["gpt-4o-"]["matched_models"] == ["gpt-4o-mini"]
    assert listed["gpt-4o-"]["matched_count"] == 1
    assert listed["gpt-4o"]["bound_channels"] == [{"name": "oa", "type": OPENAI}]
    assert listed["gpt-4o"]["enable_groups"] == ["default", "vip"]
    assert listed["gpt-4o"]["quota_types"] == [0]
    assert jsonx.loads(listed["gpt-4o"]["endpoints"]) == ["openai"]
    assert page["vendor_counts"] == {"0": 3}

    found = await ok(await app_client.get("/api/models/search?keyword=flag", headers=root.headers))
    assert [item["model_name"] for item in found["items"]] == ["gpt-4o"]
    one = await ok(await app_client.get(f"/api/models/{rule['id']}", headers=root.headers))
    assert one["name_rule"] == 1
    missing = await ok(await app_client.get("/api/models/missing", headers=root.headers))
    assert missing == ["claude-x", "gpt-4o-mini"]

    # status_only changes nothing else; a full update checks the name
    updated = await ok(
        await app_client.put(
            "/api/models/?status_only=true",
            json={"id": exact["id"], "status": 0},
            headers=root.headers,
        )
    )
    assert updated["status"] == 0
    assert updated["description"] == "flagship"
    assert "模型名称已存在" in refused(
        await app_client.put(
            "/api/models/",
            json={"id": rule["id"], "model_name": "gpt-4o"},
            headers=root.headers,
        )
    )
    await ok(await app_client.delete(f"/api/models/{exact['id']}", headers=root.headers))
    assert "not found" in refused(
        await app_client.get(f"/api/models/{exact['id']}", headers=root.headers)
    )
    # the name is free again after a (soft) delete
    await ok(
        await app_client.post("/api/models/", json={"model_name": "gpt-4o"}, headers=root.headers)
    )


async def test_model_lists_for_dashboard_and_user(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    await _seed(app_client)
    alice = await create_user(app_client, root, "alice")
    dashboard = await ok(await app_client.get("/api/models", headers=alice.headers))
    assert dashboard == {
        str(OPENAI): ["dall-e-3", "gpt-4o", "gpt-4o-mini"],
        str(ANTHROPIC): ["claude-x"],
    }
    # default UserUsableGroups hold default and vip
    assert await ok(await app_client.get("/api/user/models", headers=alice.headers)) == [
        "claude-x",
        "dall-e-3",
        "gpt-4o",
        "gpt-4o-mini",
    ]
    assert await ok(await app_client.get("/api/user/models?group=vip", headers=alice.headers)) == [
        "claude-x",
        "gpt-4o",
    ]
    assert (
        await ok(await app_client.get("/api/user/models?group=nope", headers=alice.headers)) == []
    )
    assert (await app_client.get("/api/user/models")).status_code == 401


async def test_vendors_crud(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    first = await ok(
        await app_client.post(
            "/api/vendors/",
            json={"name": "Anthropic", "description": "claude"},
            headers=root.headers,
        )
    )
    assert first["status"] == 1
    assert "已存在" in refused(
        await app_client.post("/api/vendors/", json={"name": "Anthropic"}, headers=root.headers)
    )
    assert "不能为空" in refused(
        await app_client.post("/api/vendors/", json={"name": ""}, headers=root.headers)
    )
    second = await ok(
        await app_client.post("/api/vendors/", json={"name": "Google"}, headers=root.headers)
    )
    page = await ok(await app_client.get("/api/vendors/?p=1&page_size=1", headers=root.headers))
    assert page["total"] == 2
    assert [v["name"] for v in page["items"]] == ["Anthropic"]
    found = await ok(await app_client.get("/api/vendors/search?keyword=clau", headers=root.headers))
    assert [v["id"] for v in found["items"]] == [first["id"]]
    assert "已存在" in refused(
        await app_client.put(
            "/api/vendors/", json={"id": second["id"], "name": "Anthropic"}, headers=root.headers
        )
    )
    renamed = await ok(
        await app_client.put(
            "/api/vendors/", json={"id": second["id"], "name": "Gemini"}, headers=root.headers
        )
    )
    assert renamed["name"] == "Gemini"
    assert (await ok(await app_client.get(f"/api/vendors/{second['id']}", headers=root.headers)))[
        "name"
    ] == "Gemini"
    await ok(await app_client.delete(f"/api/vendors/{second['id']}", headers=root.headers))
    assert (await ok(await app_client.get("/api/vendors/", headers=root.headers)))["total"] == 1


async def test_prefill_groups_crud_and_groups(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    created = await ok(
        await app_client.post(
            "/api/prefill_group/",
            json={"name": "chat", "type": "model", "items": ["gpt-4o", "claude-x"]},
            headers=root.headers,
        )
    )
    assert created["items"] == ["gpt-4o", "claude-x"]
    await ok(
        await app_client.post(
            "/api/prefill_group/",
            json={"name": "tags", "type": "tag", "items": '["fast"]'},
            headers=root.headers,
        )
    )
    assert "不能为空" in refused(
        await app_client.post("/api/prefill_group/", json={"name": "x"}, headers=root.headers)
    )
    assert "已存在" in refused(
        await app_client.post(
            "/api/prefill_group/", json={"name": "chat", "type": "tag"}, headers=root.headers
        )
    )
    models = await ok(await app_client.get("/api/prefill_group/?type=model", headers=root.headers))
    assert [g["name"] for g in models] == ["chat"]
    tags = await ok(await app_client.get("/api/prefill_group/?type=tag", headers=root.headers))
    assert tags[0]["items"] == ["fast"]
    updated = await ok(
        await app_client.put(
            "/api/prefill_group/",
            json={"id": created["id"], "name": "chat", "type": "model", "items": ["o3"]},
            headers=root.headers,
        )
    )
    assert updated["items"] == ["o3"]
    await ok(await app_client.delete(f"/api/prefill_group/{created['id']}", headers=root.headers))
    assert len(await ok(await app_client.get("/api/prefill_group/", headers=root.headers))) == 1

    assert sorted(await ok(await app_client.get("/api/group/", headers=root.headers))) == [
        "default",
        "svip",
        "vip",
    ]
    alice = await create_user(app_client, root, "alice")
    assert "权限不足" in refused(await app_client.get("/api/group/", headers=alice.headers))
