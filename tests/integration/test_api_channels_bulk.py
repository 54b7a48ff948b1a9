"""/api/channel: tags, batches, copy, clean-up, ability repair, key reveal, field validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select
from test_api_support import Actor, create_user, ok, refused, runtime_of, setup_root

from relaygate.auth import verification
from relaygate.db.models.ability import Ability
from relaygate.db.models.channel import Channel

BASE = {"type": 1, "key": "sk-base", "models": "gpt-4o", "group": "default"}


async def _add(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> int:
    body = {**BASE, **fields}
    [channel_id] = await ok(await client.post("/api/channel/", json=body, headers=actor.headers))
    return int(channel_id)


async def _abilities(client: httpx.AsyncClient) -> set[tuple[Any, ...]]:
    async with runtime_of(client).database.reader() as session:
        rows = (await session.execute(select(Ability))).scalars().all()
        return {
            (a.channel_id, a.group, a.model, a.enabled, a.priority, a.weight, a.tag) for a in rows
        }


async def _channel(client: httpx.AsyncClient, actor: Actor, channel_id: int) -> dict[str, Any]:
    data: dict[str, Any] = await ok(
        await client.get(f"/api/channel/{channel_id}", headers=actor.headers)
    )
    return data


async def test_edit_enable_and_disable_by_tag(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    first = await _add(app_client, root, name="a", tag="pool")
    second = await _add(app_client, root, name="b", tag="pool", models="gpt-4o,o3")
    other = await _add(app_client, root, name="c", tag="else")
    headers = root.headers

    assert await ok(await app_client.get("/api/channel/tag/models?tag=pool", headers=headers)) == (
        "gpt-4o,o3"
    )
    edit = {"tag": "pool", "new_tag": "pool2", "priority": 7, "weight": 2, "models": "m1, m2"}
    await ok(await app_client.put("/api/channel/tag", json=edit, headers=headers))
    abilities = await _abilities(app_client)
    for channel_id in (first, second):
        assert {a for a in abilities if a[0] == channel_id} == {
            (channel_id, "default", "m1", True, 7, 2, "pool2"),
            (channel_id, "default", "m2", True, 7, 2, "pool2"),
        }
    assert (await _channel(app_client, root, other))["priority"] == 0

    await ok(
        await app_client.post("/api/channel/tag/disabled", json={"tag": "pool2"}, headers=headers)
    )
    assert (await _channel(app_client, root, first))["status"] == 2
    assert {a[3] for a in await _abilities(app_client) if a[0] != other} == {False}
    await ok(
        await app_client.post("/api/channel/tag/enabled", json={"tag": "pool2"}, headers=headers)
    )
    assert (await _channel(app_client, root, second))["status"] == 1
    assert {a[3] for a in await _abilities(app_client)} == {True}

    assert "tag" in refused(
        await app_client.put("/api/channel/tag", json={"tag": ""}, headers=headers)
    )
    bad = {"tag": "pool2", "param_override": "{not json"}
    assert "JSON" in refused(await app_client.put("/api/channel/tag", json=bad, headers=headers))
    assert "参数错误" in refused(
        await app_client.post("/api/channel/tag/enabled", json={}, headers=headers)
    )


async def test_batch_tag_batch_delete_copy_and_delete_disabled(
    app_client: httpx.AsyncClient,
) -> None:
    root = await setup_root(app_client)
    headers = root.headers
    ids = [await _add(app_client, root, name=f"c{i}") for i in range(4)]

    tagged = {"ids": ids[:2], "tag": "team"}
    assert (
        await ok(await app_client.post("/api/channel/batch/tag", json=tagged, headers=headers)) == 2
    )
    assert {a[6] for a in await _abilities(app_client) if a[0] in ids[:2]} == {"team"}
    cleared = {"ids": ids[:1], "tag": ""}
    await ok(await app_client.post("/api/channel/batch/tag", json=cleared, headers=headers))
    assert (await _channel(app_client, root, ids[0]))["tag"] is None

    copied = await ok(
        await app_client.post(f"/api/channel/copy/{ids[1]}?suffix=-b", headers=headers)
    )
    clone = await _channel(app_client, root, copied["id"])
    assert clone["name"] == "c1-b"
    assert clone["tag"] == "team"
    async with runtime_of(app_client).database.reader() as session:
        rows = {c.id: c.key for c in (await session.execute(select(Channel))).scalars()}
    secrets = runtime_of(app_client).secrets
    assert secrets.decrypt(rows[copied["id"]]) == "sk-base"
    assert {a[1:] for a in await _abilities(app_client) if a[0] == copied["id"]} == {
        ("default", "gpt-4o", True, 0, 0, "team")
    }

    assert (
        await ok(
            await app_client.post("/api/channel/batch", json={"ids": ids[:2]}, headers=headers)
        )
        == 2
    )
    assert "参数错误" in refused(
        await app_client.post("/api/channel/batch", json={"ids": []}, headers=headers)
    )
    await ok(
        await app_client.put("/api/channel/", json={"id": ids[2], "status": 2}, headers=headers)
    )
    assert await ok(await app_client.delete("/api/channel/disabled", headers=headers)) == 1
    remaining = {a[0] for a in await _abilities(app_client)}
    assert remaining == {ids[3], copied["id"]}
    page = await ok(await app_client.get("/api/channel/", headers=headers))
    assert page["total"] == 2


async def test_fix_rebuilds_abilities(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    channel_id = await _add(app_client, root, models="a,b", group="default,vip")
    async with runtime_of(app_client).database.unit_of_work() as session:
        await session.execute(delete(Ability))
    assert await _abilities(app_client) == set()
    fixed = await ok(await app_client.post("/api/channel/fix", headers=root.headers))
    assert fixed == {"success": 1, "fails": 0}
    assert len({a for a in await _abilities(app_client) if a[0] == channel_id}) == 4


async def test_search_tag_mode_and_filters(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    await _add(app_client, root, name="alpha", tag="t1")
    await _add(app_client, root, name="beta", tag="t1", models="claude-3")
    await _add(app_client, root, name="gamma", tag="t2")
    headers = root.headers
    found = await ok(
        await app_client.get("/api/channel/search?keyword=alpha&tag_mode=true", headers=headers)
    )
    assert sorted(item["name"] for item in found["items"]) == ["alpha", "beta"]
    sorted_page = await ok(
        await app_client.get("/api/channel/?sort_by=name&sort_order=asc", headers=headers)
    )
    assert [item["name"] for item in sorted_page["items"]] == ["alpha", "beta", "gamma"]
    disabled = await ok(
        await app_client.get("/api/channel/search?status=disabled", headers=headers)
    )
    assert disabled["total"] == 0


async def test_json_fields_are_validated(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    headers = root.headers
    cases = [
        ({"status_code_mapping": '{"400": "five hundred"}'}, "status_code_mapping"),
        ({"header_override": '{"X-Key": 5}'}, "请求头覆盖"),
        ({"param_override": "[1]"}, "param_override"),
        ({"setting": '{"system_prompt": 5}'}, "system_prompt"),
        ({"setting": '{"force_format": "yes"}'}, "force_format"),
        ({"settings": '{"vertex_key_type": "nope"}'}, "vertex_key_type"),
    ]
    for fields, expected in cases:
        message = refused(
            await app_client.post("/api/channel/", json={**BASE, **fields}, headers=headers)
        )
        assert expected in message, (fields, message)
    good = {
        "status_code_mapping": '{"400": "500"}',
        "header_override": '{"X-Key": "{api_key}"}',
        "param_override": '{"temperature": 0.2}',
        "setting": '{"system_prompt": "Be brief.", "system_prompt_override": true, "proxy": ""}',
        "settings": '{"upstream_model_update_check_enabled": true}',
    }
    channel_id = await _add(app_client, root, **good)
    stored = await _channel(app_client, root, channel_id)
    assert {field: stored[field] for field in good} == good


async def test_reveal_key_needs_root_and_step_up(
    app_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = await setup_root(app_client)
    admin = await create_user(app_client, root, "admin", role=10)
    channel_id = await _add(app_client, root, key="sk-secret-upstream")
    path = f"/api/channel/{channel_id}/key"

    refused(await app_client.post(path, headers=admin.headers))  # admins may not
    blocked = await app_client.post(path, headers=root.headers)
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "VERIFICATION_REQUIRED"

    monkeypatch.setattr(verification, "verified_recently", lambda request, max_age=300: True)
    shown = await app_client.post(path, headers=root.headers)
    assert shown.json() == {
        "success": True,
        "message": "获取成功",
        "data": {"key": "sk-secret-upstream"},
    }
    assert shown.headers["cache-control"] == "no-store"
    statuses = [(await app_client.post(path, headers=root.headers)).status_code for _ in range(20)]
    assert statuses[-1] == 429  # the critical rate limit: 20 per 20 minutes per client
