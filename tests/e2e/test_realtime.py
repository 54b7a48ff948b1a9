"""/v1/realtime end to end: a websockets client → relaygate → the mock realtime upstream.

Frames pass unchanged both ways; each ``response.done`` is billed at the text and audio ratios
with one log row; a client that cannot afford a response is refused before any upstream
socket opens; either side closing ends the other; a response id is never billed twice.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import websockets
from tests.e2e.relay_env import RelayEnv, unique
from tests.support.mock_realtime import AUDIO_CHUNK, MockRealtime, RealtimeConnection
from websockets.asyncio.client import ClientConnection, connect

from relaygate.kit import jsonx


@pytest.fixture(scope="module")
def realtime_upstream() -> Iterator[MockRealtime]:
    with MockRealtime() as server:
        yield server


def _ws_url(env: RelayEnv, model: str) -> str:
    return env.gateway.url.replace("http://", "ws://") + f"/v1/realtime?model={model}"


async def _until(ws: ClientConnection, kind: str) -> list[dict[str, Any]]:
    """Events up to and including the first of type ``kind``."""
    seen: list[dict[str, Any]] = []
    while True:
        frame = await asyncio.wait_for(ws.recv(), 10)
        event = jsonx.loads(frame)
        seen.append(event)
        if event["type"] == kind:
            return seen


def _cost(usage: dict[str, Any], *, audio: float, audio_completion: float) -> int:
    """new-api's realtime formula at model ratio 1 and completion ratio 1."""
    details_in, details_out = usage["input_token_details"], usage["output_token_details"]
    total = (
        Decimal(details_in["text_tokens"])
        + Decimal(details_out["text_tokens"])
        + Decimal(details_in["audio_tokens"]) * Decimal(str(audio))
        + Decimal(details_out["audio_tokens"])
        * Decimal(str(audio))
        * Decimal(str(audio_completion))
    )
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _setup(env: RelayEnv, upstream: MockRealtime, **channel: Any) -> tuple[str, str]:
    model = unique("rt")
    env.price(model)
    _, upstream_key = env.channel(model, base_url=upstream.url, **channel)
    return model, upstream_key


def _connections(upstream: MockRealtime, key: str) -> list[RealtimeConnection]:
    return [c for c in upstream.connections if c.key == key]


async def test_text_and_audio_session_billed_per_response(
    env: RelayEnv, realtime_upstream: MockRealtime
) -> None:
    model, upstream_key = _setup(env, realtime_upstream)
    env.set_option("AudioRatio", {model: 2})
    env.set_option("AudioCompletionRatio", {model: 3})
    user = env.user(quota=1_000_000)
    key = env.token(user, unlimited=True)
    done: list[dict[str, Any]] = []
    # odd spacing and key order: the upstream must get this text byte for byte
    item = (
        '{"item": {"type": "message", "role": "user", "content": '
        '[{"type": "input_text", "text": "one two three four"}]},  "type": "conversation.item.create"}'
    )
    async with connect(
        _ws_url(env, model), additional_headers={"Authorization": f"Bearer {key}"}
    ) as ws:
        assert (await _until(ws, "session.created"))[0]["session"]["model"] == model
        await ws.send(item)
        await _until(ws, "conversation.item.created")
        audio_in = base64.b64encode(b"\x01" * 500).decode()
        await ws.send(jsonx.dumps_str({"type": "input_audio_buffer.append", "audio": audio_in}))
        await ws.send(jsonx.dumps_str({"type": "response.create", "response": {}}))
        text_events = await _until(ws, "response.done")
        deltas = [e["delta"] for e in text_events if e["type"] == "response.text.delta"]
        assert "".join(deltas).split() == ["hello", "from", "the", "realtime", "mock"]
        done.append(text_events[-1])
        await ws.send(
            jsonx.dumps_str(
                {"type": "response.create", "response": {"modalities": ["audio", "text"]}}
            )
        )
        audio_events = await _until(ws, "response.done")
        chunks = [e["delta"] for e in audio_events if e["type"] == "response.audio.delta"]
        assert chunks
        assert all(base64.b64decode(c) == AUDIO_CHUNK for c in chunks)
        done.append(audio_events[-1])
        await ws.send(b"\x00\x01binary\xff")
        assert await asyncio.wait_for(ws.recv(), 5) == b"\xffyranib\x01\x00"

    conn = _connections(realtime_upstream, upstream_key)[-1]
    assert item in conn.raw
    assert b"\x00\x01binary\xff" in conn.raw
    assert conn.headers["Authorization"] == f"Bearer {upstream_key}"
    costs = [_cost(d["response"]["usage"], audio=2, audio_completion=3) for d in done]
    assert done[1]["response"]["usage"]["output_token_details"]["audio_tokens"] > 0
    env.wait_for(lambda: env.me(user)["used_quota"] == sum(costs))
    env.wait_for(lambda: env.me(user)["quota"] == 1_000_000 - sum(costs))
    rows = sorted(env.logs(user, type=2), key=lambda r: r["id"])
    assert [r["quota"] for r in rows] == costs
    for row, event in zip(rows, done, strict=True):
        usage = event["response"]["usage"]
        assert row["type"] == 2
        assert row["model_name"] == model
        assert row["prompt_tokens"] == usage["input_tokens"]
        assert row["completion_tokens"] == usage["output_tokens"]
        other = jsonx.loads(row["other"])
        assert other["response_id"] == event["response"]["id"]
        assert other["audio_ratio"] == 2
        assert other["audio_completion_ratio"] == 3


async def test_subprotocol_key_is_answered_with_realtime(
    env: RelayEnv, realtime_upstream: MockRealtime
) -> None:
    model, upstream_key = _setup(env, realtime_upstream)
    user = env.user(quota=1_000_000)
    key = env.token(user, unlimited=True)
    protocols = ["realtime", f"openai-insecure-api-key.{key}", "openai-beta.realtime-v1"]
    async with connect(
        _ws_url(env, model),
        subprotocols=protocols,  # type: ignore[arg-type]
    ) as ws:
        assert ws.subprotocol == "realtime"
        await _until(ws, "session.created")
    conn = _connections(realtime_upstream, upstream_key)[-1]
    assert conn.protocols[:2] == ["realtime", f"openai-insecure-api-key.{upstream_key}"]
    assert "Authorization" not in conn.headers
    assert conn.query == {"model": model}


async def test_azure_channel_uses_the_realtime_deployment_url(
    env: RelayEnv, realtime_upstream: MockRealtime
) -> None:
    model, upstream_key = _setup(env, realtime_upstream, channel_type=3)
    user = env.user(quota=1_000_000)
    key = env.token(user, unlimited=True)
    async with connect(
        _ws_url(env, model), additional_headers={"Authorization": f"Bearer {key}"}
    ) as ws:
        await _until(ws, "session.created")
        await ws.send(jsonx.dumps_str({"type": "response.create"}))
        await _until(ws, "response.done")
    conn = _connections(realtime_upstream, upstream_key)[-1]
    assert conn.path == "/openai/realtime"
    assert conn.query["deployment"] == model.replace(".", "")
    assert conn.query["api-version"]
    assert conn.headers["api-key"] == upstream_key


async def test_low_quota_client_refused_before_upstream_opens(
    env: RelayEnv, realtime_upstream: MockRealtime
) -> None:
    model, upstream_key = _setup(env, realtime_upstream)
    user = env.user(quota=1_000_000)
    key = env.token(user, remain_quota=10)
    async with connect(
        _ws_url(env, model), additional_headers={"Authorization": f"Bearer {key}"}
    ) as ws:
        event = jsonx.loads(await asyncio.wait_for(ws.recv(), 5))
        assert event["type"] == "error"
        assert event["error"]["code"] == "pre_consume_token_quota_failed"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    assert _connections(realtime_upstream, upstream_key) == []
    assert env.token_row(user, key)["remain_quota"] == 10

    async with connect(
        _ws_url(env, model), additional_headers={"Authorization": "Bearer sk-not-a-key"}
    ) as ws:
        assert jsonx.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "error"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008


async def test_quota_checked_before_each_response(
    env: RelayEnv, realtime_upstream: MockRealtime
) -> None:
    model, upstream_key = _setup(env, realtime_upstream)
    # one response's reservation is 1024 output tokens (ratio 1): enough for the first only
    user = env.user(quota=1_030)
    key = env.token(user, unlimited=True)
    async with connect(
        _ws_url(env, model), additional_headers={"Authorization": f"Bearer {key}"}
    ) as ws:
        await _until(ws, "session.created")
        await ws.send(jsonx.dumps_str({"type": "response.create"}))
        first = (await _until(ws, "response.done"))[-1]
        cost = _cost(first["response"]["usage"], audio=1, audio_completion=1)
        env.wait_for(lambda: env.me(user)["used_quota"] == cost)
        await ws.send(jsonx.dumps_str({"type": "response.create"}))
        refused = await _until(ws, "error")
        assert refused[-1]["error"]["code"] == "insufficient_user_quota"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    conn = _connections(realtime_upstream, upstream_key)[-1]
    assert realtime_upstream.wait_closed(conn)
    assert [e.get("type") for e in conn.received].count("response.create") == 1
    env.wait_for(lambda: env.me(user)["quota"] == 1_030 - cost)


async def test_client_close_closes_upstream(env: RelayEnv, realtime_upstream: MockRealtime) -> None:
    model, upstream_key = _setup(env, realtime_upstream)
    user = env.user(quota=1_000_000)
    key = env.token(user, unlimited=True)
    async with connect(
        _ws_url(env, model), additional_headers={"Authorization": f"Bearer {key}"}
    ) as ws:
        await _until(ws, "session.created")
        await ws.close(code=1000)
    conn = _connections(realtime_upstream, upstream_key)[-1]
    assert realtime_upstream.wait_closed(conn)
    assert conn.closed_by == "client"
    # nothing was answered: the session's reservation went back in full
    env.wait_for(lambda: env.me(user)["quota"] == 1_000_000)
    assert env.me(user)["used_quota"] == 0


async def test_upstream_close_closes_client_and_bills(
    env: RelayEnv, realtime_upstream: MockRealtime
) -> None:
    model, _ = _setup(env, realtime_upstream)
    user = env.user(quota=1_000_000)
    key = env.token(user, unlimited=True)
    create = {"type": "response.create", "response": {"metadata": {"mock_close": "4001"}}}
    async with connect(
        _ws_url(env, model), additional_headers={"Authorization": f"Bearer {key}"}
    ) as ws:
        await _until(ws, "session.created")
        await ws.send(jsonx.dumps_str(create))
        done = (await _until(ws, "response.done"))[-1]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4001
    cost = _cost(done["response"]["usage"], audio=1, audio_completion=1)
    env.wait_for(lambda: env.me(user)["used_quota"] == cost)


async def test_response_id_billed_once_across_duplicates_and_reconnects(
    env: RelayEnv, realtime_upstream: MockRealtime
) -> None:
    model, _ = _setup(env, realtime_upstream)
    user = env.user(quota=1_000_000)
    key = env.token(user, unlimited=True)
    response_id = unique("resp")
    create = {
        "type": "response.create",
        "response": {"metadata": {"mock_id": response_id, "mock_duplicate_done": "1"}},
    }
    costs: list[int] = []
    for _session in range(2):
        async with connect(
            _ws_url(env, model), additional_headers={"Authorization": f"Bearer {key}"}
        ) as ws:
            await _until(ws, "session.created")
            await ws.send(jsonx.dumps_str(create))
            first = (await _until(ws, "response.done"))[-1]
            second = (await _until(ws, "response.done"))[-1]
            assert first["response"] == second["response"]  # both forwarded to the client
            costs.append(_cost(first["response"]["usage"], audio=1, audio_completion=1))
    env.wait_for(lambda: env.me(user)["used_quota"] == costs[0])
    env.wait_for(lambda: env.me(user)["quota"] == 1_000_000 - costs[0])
    rows = env.logs(user, type=2)
    assert len(rows) == 1
    assert jsonx.loads(rows[0]["other"])["response_id"] == response_id
