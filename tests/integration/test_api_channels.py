"""/api/channel: CRUD, keys never echoed and encrypted at rest, abilities kept in step."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from test_api_support import (
    Actor,
    create_user,
    ok,
    refused,
    runtime_of,
    setup_root,
)

from relaygate.channels.repository import set_channel_status
from relaygate.db.models.ability import Ability
from relaygate.db.models.channel import Channel

CHANNEL = {
    "type": 1,
    "key": "sk-upstream-secret-1",
    "name": "openai main",
    "base_url": "https://api.example.com",
    "models": "gpt-4o, gpt-4o-mini,gpt-4o",
    "group": "default,vip",
    "priority": 5,
    "weight": 3,
    "tag": "primary",
    "model_mapping": '{"gpt-4o": "gpt-4o-2024-11-20"}',
}


async def _abilities(client: httpx.AsyncClient, channel_id: int) -> set[tuple[Any, ...]]:
    async with runtime_of(client).database.reader() as session:
        rows = await session.execute(select(Ability).where(Ability.channel_id == channel_id))
        return {(a.group, a.model, a.enabled, a.priority, a.weight, a.tag) for a in rows.scalars()}


async def _stored_key(client: httpx.AsyncClient, channel_id: int) -> str:
    async with runtime_of(client).database.reader() as session:
        channel = await session.get(Channel, channel_id)
        assert channel is not None
        return channel.key


async def _add(client: httpx.AsyncClient, admin: Actor, body: dict[str, Any]) -> list[int]:
    ids: list[int] = await ok(await client.post("/api/channel/", json=body, headers=admin.headers))
    return ids


async def test_channel_crud_hides_key_and_maintains_abilities(
    app_client: httpx.AsyncClient,
) -> None:
    root = await setup_root(app_client)
    admin = await create_user(app_client, root, "admin", role=10)
    [channel_id] = await _add(app_client, admin, {"mode": "single", "channel": CHANNEL})

    stored = await _stored_key(app_client, channel_id)
    assert stored != CHANNEL["key"]
    assert runtime_of(app_client).secrets.decrypt(stored) == CHANNEL["key"]
    assert await _abilities(app_client, channel_id) == {
        (group, model, True, 5, 3, "primary")
        for group in ("default", "vip")
        for model in ("gpt-4o", "gpt-4o-mini")
    }

    one = await ok(await app_client.get(f"/api/channel/{channel_id}", headers=admin.headers))
    assert one["key"] == ""
    assert one["models"] == "gpt-4o,gpt-4o-mini"
    page = await ok(await app_client.get("/api/channel/?p=1&page_size=10", headers=admin.headers))
    assert page["total"] == 1
    assert page["page"] == 1
    assert page["page_size"] == 10
    assert page["type_counts"] == {"1": 1}
    assert [item["key"] for item in page["items"]] == [""]
    assert CHANNEL["key"] not in (await app_client.get("/api/channel/", headers=admin.headers)).text

    update = {"id": channel_id, "key": "", "models": "gpt-4.1", "group": "default", "priority": 9}
    updated = await ok(await app_client.put("/api/channel/", json=update, headers=admin.headers))
    assert updated["key"] == ""
    assert updated["name"] == "openai main"
    assert await _stored_key(app_client, channel_id) == stored  # empty key: unchanged
    assert await _abilities(app_client, channel_id) == {
        ("default", "gpt-4.1", True, 9, 3, "primary")
    }

    disable = {"id": channel_id, "status": 2}
    await ok(await app_client.put("/api/channel/", json=disable, headers=admin.headers))
    assert await _abilities(app_client, channel_id) == {
        ("default", "gpt-4.1", False, 9, 3, "primary")
    }

    rekey = {"id": channel_id, "key": "sk-rotated"}
    await ok(await app_client.put("/api/channel/", json=rekey, headers=admin.headers))
    rotated = await _stored_key(app_client, channel_id)
    assert runtime_of(app_client).secrets.decrypt(rotated) == "sk-rotated"

    await ok(await app_client.delete(f"/api/channel/{channel_id}", headers=admin.headers))
    assert await _abilities(app_client, channel_id) == set()
    refused(await app_client.get(f"/api/channel/{channel_id}", headers=admin.headers))


async def test_batch_mode_and_bare_channel_object(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    batch = {"mode": "batch", "channel": {**CHANNEL, "key": "k-one\n\n k-two \nk-three\n"}}
    ids = await _add(app_client, root, batch)
    assert len(ids) == 3
    keys = [runtime_of(app_client).secrets.decrypt(await _stored_key(app_client, i)) for i in ids]
    assert keys == ["k-one", "k-two", "k-three"]
    for channel_id in ids:
        assert len(await _abilities(app_client, channel_id)) == 4

    [bare_id] = await _add(app_client, root, {**CHANNEL, "name": "bare"})
    assert (await ok(await app_client.get(f"/api/channel/{bare_id}", headers=root.headers)))[
        "name"
    ] == "bare"
    assert "empty" in refused(
        await app_client.post("/api/channel/", json={**CHANNEL, "key": " "}, headers=root.headers)
    )


async def test_bad_model_mapping_is_refused(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    for mapping in ("not json", "[1, 2]", '{"gpt-4o": 5}'):
        body = {**CHANNEL, "model_mapping": mapping}
        message = refused(await app_client.post("/api/channel/", json=body, headers=root.headers))
        assert "model_mapping" in message
    [channel_id] = await _add(app_client, root, CHANNEL)
    bad = {"id": channel_id, "model_mapping": '{"a": ["b"]}'}
    assert "model_mapping" in refused(
        await app_client.put("/api/channel/", json=bad, headers=root.headers)
    )
    page = await ok(await app_client.get("/api/channel/", headers=root.headers))
    assert page["total"] == 1


async def test_search_filters_and_tag_mode(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    await _add(app_client, root, {**CHANNEL, "name": "alpha", "tag": "t1", "group": "svip"})
    await _add(
        app_client, root, {**CHANNEL, "name": "beta", "tag": "t1", "models": "claude-3", "type": 14}
    )
    await _add(app_client, root, {**CHANNEL, "name": "gamma", "tag": None, "group": "vip"})

    def names(page: dict[str, Any]) -> list[str]:
        return sorted(item["name"] for item in page["items"])

    headers = root.headers
    found = await ok(await app_client.get("/api/channel/search?keyword=alp", headers=headers))
    assert names(found) == ["alpha"]
    by_model = await ok(await app_client.get("/api/channel/search?model=claude", headers=headers))
    assert names(by_model) == ["beta"]
    # group filter matches whole comma-list entries: "vip" is not "svip"
    vip = await ok(await app_client.get("/api/channel/search?group=vip", headers=headers))
    assert names(vip) == ["beta", "gamma"]
    listed = await ok(await app_client.get("/api/channel/?group=vip&type=14", headers=headers))
    assert names(listed) == ["beta"]
    assert listed["type_counts"] == {"1": 1, "14": 1}
    tags = await ok(await app_client.get("/api/channel/?tag_mode=true", headers=headers))
    assert tags["total"] == 1
    assert names(tags) == ["alpha", "beta"]
    enabled = await ok(await app_client.get("/api/channel/models_enabled", headers=headers))
    assert enabled == ["claude-3", "gpt-4o", "gpt-4o-mini"]
    models = await ok(await app_client.get("/api/channel/models", headers=headers))
    ids = [entry["id"] for entry in models]
    assert "claude-3" in ids
    assert "gpt-4.1" in ids  # priced by default, though no channel serves it
    assert models[0]["object"] == "model"


async def test_set_channel_status_updates_abilities(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    [channel_id] = await _add(app_client, root, CHANNEL)
    database = runtime_of(app_client).database
    async with database.unit_of_work() as session:
        await set_channel_status(session, channel_id, 3)
    assert {row[2] for row in await _abilities(app_client, channel_id)} == {False}
    channel = await ok(await app_client.get(f"/api/channel/{channel_id}", headers=root.headers))
    assert channel["status"] == 3
    async with database.unit_of_work() as session:
        await set_channel_status(session, channel_id, 1)
    assert {row[2] for row in await _abilities(app_client, channel_id)} == {True}
