"""Multi-key channels: ``multi_to_single`` creation, the key manager, and ``pick_key``."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from test_api_support import Actor, ok, refused, runtime_of, setup_root

from relaygate.channels import multikey, service
from relaygate.db.models.ability import Ability
from relaygate.db.models.channel import Channel

KEYS = ["sk-key-zero-000000", "sk-key-one-111111", "sk-key-two-222222"]


def _info(**fields: Any) -> multikey.ChannelInfo:
    return multikey.ChannelInfo(is_multi_key=True, size=len(KEYS), **fields)


def test_pick_key_single_key_channel() -> None:
    assert multikey.pick_key(" sk-only \n", None) == (0, "sk-only")
    assert multikey.pick_key("sk-a\nsk-b", '{"is_multi_key": false}') == (0, "sk-a\nsk-b")
    with pytest.raises(multikey.NoEnabledKey):
        multikey.pick_key("  ", None)


def test_pick_key_random_skips_disabled_keys() -> None:
    info = _info(status={1: 2})
    rng = random.Random(7)
    picked = {multikey.pick_key("\n".join(KEYS), info, rng=rng) for _ in range(50)}
    assert picked == {(0, KEYS[0]), (2, KEYS[2])}


def test_pick_key_polling_rotates_from_the_poll_index() -> None:
    text = "\n".join(KEYS)
    info = _info(mode="polling", status={1: 3}, polling_index=1)
    assert multikey.pick_key(text, info) == (2, KEYS[2])
    assert multikey.pick_key(text, info, poll_index=0) == (0, KEYS[0])
    assert multikey.pick_key(text, info, poll_index=3) == (0, KEYS[0])  # out of range: start
    stored = info.dumps()  # the column text works as well as the parsed object
    assert multikey.pick_key(text, stored, poll_index=2) == (2, KEYS[2])


def test_pick_key_no_enabled_key_and_json_array_keys() -> None:
    with pytest.raises(multikey.NoEnabledKey):
        multikey.pick_key("\n".join(KEYS), _info(status={0: 2, 1: 3, 2: 2}))
    array = '[{"type": "service_account", "id": 1}, "plain"]'
    keys = multikey.split_keys(array)
    assert keys == ['{"type":"service_account","id":1}', "plain"]
    info = multikey.ChannelInfo(is_multi_key=True, size=2, status={0: 2})
    assert multikey.pick_key(array, info) == (1, "plain")


async def _multi_channel(client: httpx.AsyncClient, root: Actor, **extra: Any) -> int:
    body = {
        "mode": "multi_to_single",
        "multi_key_mode": "polling",
        "channel": {
            "type": 1,
            "name": "pool",
            "key": "\n".join(KEYS) + "\n\n",
            "models": "gpt-4o",
            "group": "default",
            **extra,
        },
    }
    [channel_id] = await ok(await client.post("/api/channel/", json=body, headers=root.headers))
    return int(channel_id)


async def _row(client: httpx.AsyncClient, channel_id: int) -> Channel:
    async with runtime_of(client).database.reader() as session:
        channel = await session.get(Channel, channel_id)
        assert channel is not None
        return channel


async def _manage(client: httpx.AsyncClient, root: Actor, **body: Any) -> httpx.Response:
    return await client.post("/api/channel/multi_key/manage", json=body, headers=root.headers)


async def test_multi_to_single_creates_one_channel(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    channel_id = await _multi_channel(app_client, root)
    row = await _row(app_client, channel_id)
    assert runtime_of(app_client).secrets.decrypt(row.key) == "\n".join(KEYS)
    shown = await ok(await app_client.get(f"/api/channel/{channel_id}", headers=root.headers))
    assert shown["key"] == ""
    assert shown["channel_info"]["is_multi_key"] is True
    assert shown["channel_info"]["multi_key_size"] == 3
    assert shown["channel_info"]["multi_key_mode"] == "polling"
    page = await ok(await app_client.get("/api/channel/", headers=root.headers))
    assert page["total"] == 1
    bad = {"mode": "sideways", "channel": {"key": "k", "models": "m"}}
    assert "不支持" in refused(
        await app_client.post("/api/channel/", json=bad, headers=root.headers)
    )


async def test_key_manager_actions(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    channel_id = await _multi_channel(app_client, root)

    status = await ok(
        await _manage(app_client, root, channel_id=channel_id, action="get_key_status")
    )
    assert status["total"] == 3
    assert status["enabled_count"] == 3
    assert status["keys"][0] == {
        "index": 0,
        "status": 1,
        "disabled_time": None,
        "reason": None,
        "key_preview": "sk-key-zer...",
    }
    assert all(KEYS[0] not in str(item) for item in status["keys"])

    body = await _manage(app_client, root, channel_id=channel_id, action="disable_key", key_index=1)
    assert body.json()["message"] == "密钥已禁用"
    assert "超出范围" in refused(
        await _manage(app_client, root, channel_id=channel_id, action="disable_key", key_index=9)
    )
    assert "索引" in refused(
        await _manage(app_client, root, channel_id=channel_id, action="enable_key")
    )
    filtered = await ok(
        await _manage(app_client, root, channel_id=channel_id, action="get_key_status", status=2)
    )
    assert [k["index"] for k in filtered["keys"]] == [1]
    assert filtered["manual_disabled_count"] == 1
    assert filtered["keys"][0]["disabled_time"] > 0

    # Auto-disable key 0 the way the relay would; then delete the auto-disabled keys.
    database = runtime_of(app_client).database
    async with database.unit_of_work() as session:
        assert await service.apply_status(session, channel_id, 3, key_index=0, reason="401")
    deleted = await _manage(app_client, root, channel_id=channel_id, action="delete_disabled_keys")
    assert deleted.json()["data"] == 1
    row = await _row(app_client, channel_id)
    assert runtime_of(app_client).secrets.decrypt(row.key) == "\n".join(KEYS[1:])
    info = multikey.parse_info(row.channel_info)
    assert info.size == 2
    assert info.status == {0: 2}  # the manually disabled key, re-indexed

    message = (
        await _manage(app_client, root, channel_id=channel_id, action="disable_all_keys")
    ).json()["message"]
    assert message == "已禁用 1 个密钥"
    row = await _row(app_client, channel_id)
    assert row.status == 3  # no enabled key left: the channel is auto-disabled
    async with database.reader() as session:
        abilities = (await session.execute(select(Ability.enabled))).scalars().all()
    assert abilities == [False]

    enabled = await _manage(app_client, root, channel_id=channel_id, action="enable_all_keys")
    assert enabled.json()["message"] == "已启用 2 个密钥"
    assert (await _row(app_client, channel_id)).status == 1

    await ok(
        await _manage(app_client, root, channel_id=channel_id, action="delete_key", key_index=0)
    )
    assert "最后" in refused(
        await _manage(app_client, root, channel_id=channel_id, action="delete_key", key_index=0)
    )
    assert "不支持" in refused(
        await _manage(app_client, root, channel_id=channel_id, action="nope")
    )

    single = {"type": 1, "name": "one", "key": "sk-single", "models": "gpt-4o"}
    [single_id] = await ok(
        await app_client.post("/api/channel/", json=single, headers=root.headers)
    )
    assert "多密钥" in refused(
        await _manage(app_client, root, channel_id=single_id, action="get_key_status")
    )


async def test_update_appends_or_replaces_keys(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    channel_id = await _multi_channel(app_client, root)
    await ok(
        await _manage(app_client, root, channel_id=channel_id, action="disable_key", key_index=2)
    )
    append = {"id": channel_id, "key": f"{KEYS[0]}\nsk-new-key", "key_mode": "append"}
    await ok(await app_client.put("/api/channel/", json=append, headers=root.headers))
    row = await _row(app_client, channel_id)
    assert runtime_of(app_client).secrets.decrypt(row.key).splitlines() == [*KEYS, "sk-new-key"]
    assert multikey.parse_info(row.channel_info).size == 4

    replace = {"id": channel_id, "key": "sk-a\nsk-b", "multi_key_mode": "random"}
    await ok(await app_client.put("/api/channel/", json=replace, headers=root.headers))
    info = multikey.parse_info((await _row(app_client, channel_id)).channel_info)
    assert (info.size, info.mode, dict(info.status)) == (2, "random", {})
    bad = {"id": channel_id, "multi_key_mode": "sideways"}
    assert "multi_key_mode" in refused(
        await app_client.put("/api/channel/", json=bad, headers=root.headers)
    )
