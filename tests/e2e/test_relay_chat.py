"""The OpenAI chat relay end to end: the official openai SDK → relaygate → the mock upstream.

Each test creates its own user, token, channels and model names, so they share one gateway
process per database backend (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import openai
import pytest
from tests.e2e.relay_env import RelayEnv, unique

from relaygate.kit import jsonx

HELLO = [{"role": "user", "content": "hello there my friend"}]


def _cost(env: RelayEnv, model: str, messages: list[dict[str, Any]] = HELLO, **extra: Any) -> int:
    """Quota of one call at ratio 1 / completion ratio 1: prompt + completion tokens."""
    usage = env.mock.expected_usage({"model": model, "messages": messages, **extra})
    return usage["prompt_tokens"] + usage["completion_tokens"]


def test_non_stream_and_stream_bill_the_exact_quota(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    channel_id, upstream_key = env.channel(model)
    user = env.user(quota=1_000_000)
    key = env.token(user, remain_quota=500_000)
    client = openai.OpenAI(base_url=env.v1, api_key=key)

    reply = client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == env.mock.last_reply_text
    expected = env.mock.expected_usage({"model": model, "messages": HELLO})
    assert reply.usage is not None
    assert reply.usage.prompt_tokens == expected["prompt_tokens"]

    stream = client.chat.completions.create(model=model, messages=HELLO, stream=True)  # type: ignore[arg-type]
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == env.mock.last_reply_text
    assert all(c.usage is None for c in chunks), "usage chunk leaked to a client that did not ask"
    upstream = env.mock.requests(key=upstream_key)
    assert upstream[-1].json["stream_options"] == {"include_usage": True}
    assert upstream[-1].path == "/v1/chat/completions"

    cost = _cost(env, model)
    env.wait_for(lambda: env.me(user)["used_quota"] == 2 * cost)
    me = env.me(user)
    assert me["quota"] == 1_000_000 - 2 * cost
    assert me["request_count"] == 2
    assert env.token_row(user, key)["remain_quota"] == 500_000 - 2 * cost
    rows = env.logs(user)
    assert sorted(r["is_stream"] for r in rows) == [False, True]
    for row in rows:
        assert row["quota"] == cost
        assert row["prompt_tokens"] == expected["prompt_tokens"]
        assert row["completion_tokens"] == expected["completion_tokens"]
        assert row["channel"] == channel_id
        assert row["model_name"] == model
        assert row["type"] == 2


def test_usage_chunk_forwarded_when_client_asks(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    env.channel(model)
    user = env.user(quota=1_000_000)
    client = openai.OpenAI(base_url=env.v1, api_key=env.token(user, unlimited=True))
    chunks = list(
        client.chat.completions.create(
            model=model,
            messages=HELLO,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    usage = [c.usage for c in chunks if c.usage is not None]
    assert len(usage) == 1
    assert usage[0].total_tokens == _cost(env, model)


def test_weights_three_to_one(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    _, heavy = env.channel(model, weight=3)
    _, light = env.channel(model, weight=1)
    user = env.user(quota=10_000_000)
    key = env.token(user, unlimited=True)
    body = {"model": model, "messages": HELLO, "max_tokens": 8}

    async def fire() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            semaphore = asyncio.Semaphore(16)

            async def one() -> None:
                async with semaphore:
                    answer = await client.post(
                        env.v1 + "/chat/completions",
                        json=body,
                        headers={"Authorization": f"Bearer {key}"},
                    )
                    assert answer.status_code == 200

            await asyncio.gather(*(one() for _ in range(400)))

    asyncio.run(fire())
    heavy_hits, light_hits = len(env.mock.requests(key=heavy)), len(env.mock.requests(key=light))
    assert heavy_hits + light_hits == 400
    assert 0.67 < heavy_hits / 400 < 0.83


def test_priority_tier_first_and_retry_onto_another_channel(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    high_id, high = env.channel(model, priority=10)
    low_id, low = env.channel(model, priority=0)
    user = env.user(quota=1_000_000)
    client = openai.OpenAI(base_url=env.v1, api_key=env.token(user, unlimited=True), max_retries=0)
    for _ in range(5):
        client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    assert len(env.mock.requests(key=high)) == 5
    assert env.mock.requests(key=low) == []

    env.set_option("RetryTimes", "2")
    env.mock.fail(500, key=high)
    reply = client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == env.mock.last_reply_text
    assert len(env.mock.requests(key=low)) == 1
    env.wait_for(lambda: len(env.logs(user)) == 6)
    row = env.logs(user)[0]
    other = jsonx.loads(row["other"])
    assert other["admin_info"]["use_channel"] == [str(high_id), str(low_id)]
    assert row["channel"] == low_id


def test_retries_never_repeat_a_channel_and_failures_are_not_billed(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    _, first = env.channel(model)
    _, second = env.channel(model)
    env.set_option("RetryTimes", "5")
    env.mock.fail(503, key=first)
    env.mock.fail(503, key=second)
    user = env.user(quota=1_000_000)
    client = openai.OpenAI(base_url=env.v1, api_key=env.token(user, unlimited=True), max_retries=0)
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    assert caught.value.status_code == 503
    assert len(env.mock.requests(key=first)) == 1
    assert len(env.mock.requests(key=second)) == 1
    env.wait_for(lambda: len(env.logs(user)) == 1)
    row = env.logs(user)[0]
    assert row["type"] == 5  # error row, kept
    assert row["quota"] == 0
    me = env.me(user)
    assert (me["quota"], me["used_quota"], me["request_count"]) == (1_000_000, 0, 0)


def test_auto_disable_on_401_then_served_by_the_other_channel(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    bad_id, bad = env.channel(model, priority=5)
    good_id, _good = env.channel(model, priority=0)
    env.set_option("RetryTimes", "1")
    env.set_option("AutomaticDisableChannelEnabled", "true")
    env.mock.fail(
        401,
        key=bad,
        body={"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}},
    )
    user = env.user(quota=1_000_000)
    client = openai.OpenAI(base_url=env.v1, api_key=env.token(user, unlimited=True), max_retries=0)
    client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    channel = env.root.client.get(f"/api/channel/{bad_id}").json()["data"]
    assert channel["status"] == 3  # auto-disabled
    assert env.root.client.get(f"/api/channel/{good_id}").json()["data"]["status"] == 1
    client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    assert len(env.mock.requests(key=bad)) == 1  # never tried again once disabled


def test_auto_disable_off_keeps_the_channel(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    bad_id, bad = env.channel(model)
    env.mock.fail(401, key=bad)
    user = env.user(quota=1_000_000)
    client = openai.OpenAI(base_url=env.v1, api_key=env.token(user, unlimited=True), max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    assert env.root.client.get(f"/api/channel/{bad_id}").json()["data"]["status"] == 1


def test_timeout_is_retried_elsewhere(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    _, hanging = env.channel(model, priority=1)
    _, healthy = env.channel(model, priority=0)
    env.set_option("RetryTimes", "1")
    env.mock.fail(mode="hang_before_headers", key=hanging)
    user = env.user(quota=1_000_000)
    client = openai.OpenAI(base_url=env.v1, api_key=env.token(user, unlimited=True), max_retries=0)
    reply = client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == env.mock.last_reply_text
    assert len(env.mock.requests(key=healthy)) == 1


def test_model_mapping_follows_chains(env: RelayEnv) -> None:
    alias, middle, final = unique("alias"), unique("mid"), unique("final")
    env.price(alias)
    _, key = env.channel(alias, model_mapping={alias: middle, middle: final})
    user = env.user(quota=1_000_000)
    client = openai.OpenAI(base_url=env.v1, api_key=env.token(user, unlimited=True))
    client.chat.completions.create(model=alias, messages=HELLO)  # type: ignore[arg-type]
    assert env.mock.requests(key=key)[-1].json["model"] == final
    env.wait_for(lambda: len(env.logs(user)) == 1)
    row = env.logs(user)[0]
    assert row["model_name"] == alias
    assert jsonx.loads(row["other"])["upstream_model_name"] == final


def test_model_mapping_cycle_is_a_400_and_unbilled(env: RelayEnv) -> None:
    model, other = unique("loop"), unique("loop")
    env.price(model)
    env.channel(model, model_mapping={model: other, other: model})
    user = env.user(quota=1_000_000)
    client = openai.OpenAI(base_url=env.v1, api_key=env.token(user, unlimited=True), max_retries=0)
    with pytest.raises(openai.BadRequestError, match="cycle"):
        client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    env.wait_for(lambda: len(env.logs(user)) == 1)
    assert env.me(user)["quota"] == 1_000_000


def test_pinned_channel_is_admin_only(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    env.channel(model, weight=1000)
    second_id, second = env.channel(model, weight=1)
    root_key = env.token(env.root, unlimited=True)
    client = openai.OpenAI(base_url=env.v1, api_key=f"{root_key}-{second_id}")
    for _ in range(3):
        client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    assert len(env.mock.requests(key=second)) == 3
    user = env.user(quota=1_000_000)
    plain = openai.OpenAI(
        base_url=env.v1, api_key=f"{env.token(user, unlimited=True)}-{second_id}", max_retries=0
    )
    with pytest.raises(openai.PermissionDeniedError):
        plain.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]


def _error(answer: httpx.Response) -> dict[str, Any]:
    body = answer.json()
    assert set(body) == {"error"}, body
    assert {"message", "type", "code"} <= set(body["error"]), body
    assert body["error"]["message"]
    return dict(body["error"])


def test_every_bad_input_gets_an_openai_error_and_costs_nothing(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    _, upstream = env.channel(model)
    user = env.user(quota=1_000_000)
    key = env.token(user, remain_quota=100_000)
    limited = env.token(
        user, remain_quota=100_000, model_limits_enabled=True, model_limits="other-model"
    )
    poor = env.token(user, remain_quota=1)
    url = env.v1 + "/chat/completions"
    good = {"model": model, "messages": HELLO}

    def post(body: Any, token: str | None = key, raw: bytes | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return httpx.post(url, content=raw, headers=headers)
        return httpx.post(url, json=body, headers=headers)

    assert post(good, token=None).status_code == 401
    answer = post(good, token="sk-not-a-real-key")
    assert answer.status_code == 401
    assert _error(answer)["type"] == "authentication_error"
    answer = post(None, raw=b"{not json")
    assert answer.status_code == 400
    assert "JSON" in _error(answer)["message"]
    answer = post({"messages": HELLO})
    assert answer.status_code == 400
    assert _error(answer)["code"] == "missing_model"
    assert post({"model": model}).status_code == 400
    assert post({"model": model, "messages": HELLO, "max_tokens": -5}).status_code == 400
    answer = post(good, token=limited)
    assert answer.status_code == 403
    assert _error(answer)["code"] == "model_not_allowed"
    answer = post(good, token=poor)
    assert answer.status_code == 403
    assert "quota" in _error(answer)["message"]
    unknown = unique("nochannel")
    env.price(unknown)
    answer = post({"model": unknown, "messages": HELLO})
    assert answer.status_code == 503
    assert _error(answer)["code"] == "model_not_found"
    answer = post({"model": unique("unpriced"), "messages": HELLO})
    assert answer.status_code in (403, 503)

    env.mock.fail(
        429,
        key=upstream,
        times=1,
        body={"error": {"message": "slow down please", "type": "rate_limit"}},
    )
    answer = post(good)
    assert answer.status_code == 429
    assert _error(answer)["message"] == "slow down please"
    env.mock.fail(
        400,
        key=upstream,
        times=1,
        body={"error": {"message": "bad tool schema", "type": "invalid_request_error"}},
    )
    answer = post(good)
    assert answer.status_code == 400
    assert _error(answer)["message"] == "bad tool schema"

    # one error row per authenticated refusal (8) and per upstream failure (2)
    env.wait_for(lambda: len(env.logs(user, type=5)) == 10)
    statuses = sorted(jsonx.loads(r["other"])["status_code"] for r in env.logs(user, type=5))
    assert statuses == [400, 400, 400, 400, 400, 403, 403, 429, 503, 503]
    me = env.me(user)
    assert (me["quota"], me["used_quota"], me["request_count"]) == (1_000_000, 0, 0)
    assert env.token_row(user, key)["remain_quota"] == 100_000


def test_quota_race_cannot_overdraw(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    env.channel(model)
    body = {"model": model, "messages": HELLO, "max_tokens": 40}
    cost = _cost(env, model, max_tokens=40)
    user = env.user(quota=10 * cost)
    key = env.token(user, unlimited=True)

    async def fire() -> list[int]:
        async with httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=100)
        ) as client:

            async def one() -> int:
                answer = await client.post(
                    env.v1 + "/chat/completions",
                    json=body,
                    headers={"Authorization": f"Bearer {key}"},
                )
                if answer.status_code != 200:
                    assert answer.status_code == 403, answer.text
                    assert _error(answer)["code"] == "insufficient_user_quota"
                return answer.status_code

            return list(await asyncio.gather(*(one() for _ in range(100))))

    statuses = asyncio.run(fire())
    succeeded = statuses.count(200)
    assert 1 <= succeeded <= 11
    env.wait_for(lambda: env.me(user)["request_count"] == succeeded)
    me = env.me(user)
    assert me["quota"] >= -cost
    assert me["used_quota"] == succeeded * cost
    rows = env.logs(user, type=2)
    assert len(rows) == succeeded
    assert sum(r["quota"] for r in rows) == me["used_quota"]
    assert me["quota"] + me["used_quota"] == 10 * cost


def test_token_quota_race_cannot_overdraw(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    env.channel(model)
    body = {"model": model, "messages": HELLO, "max_tokens": 40}
    cost = _cost(env, model, max_tokens=40)
    user = env.user(quota=10_000_000)
    key = env.token(user, remain_quota=10 * cost)

    async def fire() -> list[int]:
        async with httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=100)
        ) as client:
            answers = await asyncio.gather(
                *(
                    client.post(
                        env.v1 + "/chat/completions",
                        json=body,
                        headers={"Authorization": f"Bearer {key}"},
                    )
                    for _ in range(100)
                )
            )
            return [a.status_code for a in answers]

    statuses = asyncio.run(fire())
    succeeded = statuses.count(200)
    assert 1 <= succeeded <= 11
    assert set(statuses) <= {200, 403}
    env.wait_for(lambda: env.me(user)["request_count"] == succeeded)
    token = env.token_row(user, key)
    assert token["remain_quota"] >= -cost
    assert token["used_quota"] == succeeded * cost
    assert token["remain_quota"] + token["used_quota"] == 10 * cost


def test_cut_stream_bills_what_was_seen_and_ends_with_an_error(env: RelayEnv) -> None:
    model = unique("chat") + "-chunks12-words40"
    env.price(model)
    _, upstream = env.channel(model)
    env.mock.fail(mode="cut_stream", after_chunks=4, key=upstream)
    user = env.user(quota=1_000_000)
    key = env.token(user, unlimited=True)
    with httpx.stream(
        "POST",
        env.v1 + "/chat/completions",
        json={"model": model, "messages": HELLO, "stream": True},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    ) as answer:
        assert answer.status_code == 200
        frames = [line for line in answer.iter_lines() if line.startswith("data: ")]
    assert 2 <= len(frames) <= 6
    assert '"error"' in frames[-1]
    env.wait_for(lambda: len(env.logs(user)) == 1)
    row = env.logs(user)[0]
    other = jsonx.loads(row["other"])
    assert other.get("usage_estimated") is True
    assert row["quota"] > 0
    assert row["completion_tokens"] > 0
    assert env.me(user)["used_quota"] == row["quota"]


def test_client_disconnect_mid_stream_still_settles(env: RelayEnv) -> None:
    model = unique("chat") + "-chunks40-delay20-words80"
    env.price(model)
    env.channel(model)
    user = env.user(quota=1_000_000)
    key = env.token(user, unlimited=True)
    with httpx.stream(
        "POST",
        env.v1 + "/chat/completions",
        json={"model": model, "messages": HELLO, "stream": True},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    ) as answer:
        for index, _line in enumerate(answer.iter_lines()):
            if index > 6:
                break
    env.wait_for(lambda: len(env.logs(user)) == 1)
    row = env.logs(user)[0]
    assert row["quota"] > 0
    me = env.me(user)
    assert me["used_quota"] == row["quota"]
    assert me["quota"] == 1_000_000 - row["quota"]


def test_models_list_follows_group_and_token_limits(env: RelayEnv) -> None:
    first, second, vip_only = unique("m"), unique("m"), unique("m")
    env.price(first, second, vip_only)
    env.channel(f"{first},{second}")
    env.channel(vip_only, group="vip")
    user = env.user(quota=1_000)
    everything = openai.OpenAI(base_url=env.v1, api_key=env.token(user, unlimited=True))
    ids = {m.id for m in everything.models.list()}
    assert {first, second} <= ids
    assert vip_only not in ids
    limited = openai.OpenAI(
        base_url=env.v1,
        api_key=env.token(user, unlimited=True, model_limits_enabled=True, model_limits=second),
    )
    assert [m.id for m in limited.models.list()] == [second]
    assert limited.models.retrieve(second).id == second
    with pytest.raises(openai.NotFoundError):
        limited.models.retrieve(first)


def test_dashboard_billing_routes(env: RelayEnv) -> None:
    user = env.user(quota=2_000_000)
    key = env.token(user, remain_quota=1_000_000)
    headers = {"Authorization": f"Bearer {key}"}
    subscription = httpx.get(
        env.gateway.url + "/v1/dashboard/billing/subscription", headers=headers
    ).json()
    assert subscription["object"] == "billing_subscription"
    assert subscription["hard_limit_usd"] == pytest.approx(2.0)
    usage = httpx.get(env.gateway.url + "/v1/dashboard/billing/usage", headers=headers).json()
    assert usage["total_usage"] == 0


def test_multi_key_channel_polls_keys_and_disables_only_the_broken_one(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    first, second, third = unique("k"), unique("k"), unique("k")
    channel = {
        "type": 1,
        "name": unique("multi"),
        "key": f"{first}\n{second}\n{third}",
        "base_url": env.mock.url,
        "models": model,
        "group": "default",
    }
    answer = env.root.client.post(
        "/api/channel/",
        json={"mode": "multi_to_single", "multi_key_mode": "polling", "channel": channel},
    ).json()
    assert answer["success"], answer
    user = env.user(quota=1_000_000)
    client = openai.OpenAI(base_url=env.v1, api_key=env.token(user, unlimited=True), max_retries=0)
    for _ in range(6):
        client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    assert [len(env.mock.requests(key=k)) for k in (first, second, third)] == [2, 2, 2]

    env.set_option("AutomaticDisableChannelEnabled", "true")
    env.mock.fail(401, key=second)
    for _ in range(3):
        with contextlib.suppress(openai.AuthenticationError):
            client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    env.mock.reset()
    for _ in range(4):
        client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
    assert env.mock.requests(key=second) == []
    assert len(env.mock.requests(key=first)) + len(env.mock.requests(key=third)) == 4
    found = env.root.client.get("/api/channel/search", params={"keyword": channel["name"]}).json()
    assert found["data"]["items"][0]["status"] == 1  # the channel stays enabled
