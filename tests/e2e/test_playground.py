"""The console playground relays as the logged-in user and bills the user's own quota."""

from __future__ import annotations

from tests.e2e.relay_env import RelayEnv, unique

HELLO = [{"role": "user", "content": "hello from the playground"}]


def test_playground_streams_and_bills_the_session_user(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    env.channel(model)
    user = env.user(quota=100_000)
    answer = user.client.post("/pg/chat/completions", json={"model": model, "messages": HELLO})
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"] == env.mock.last_reply_text
    with user.client.stream(
        "POST", "/pg/chat/completions", json={"model": model, "messages": HELLO, "stream": True}
    ) as streamed:
        frames = [line for line in streamed.iter_lines() if line.startswith("data: ")]
    assert frames[-1] == "data: [DONE]"
    usage = env.mock.expected_usage({"model": model, "messages": HELLO})
    cost = usage["prompt_tokens"] + usage["completion_tokens"]
    env.wait_for(lambda: env.me(user)["used_quota"] == 2 * cost)
    rows = env.logs(user, type=2)
    assert {r["token_name"] for r in rows} == {"playground"}
    assert env.me(user)["quota"] == 100_000 - 2 * cost


def test_playground_needs_a_session_and_a_usable_group(env: RelayEnv) -> None:
    model = unique("chat")
    env.price(model)
    env.channel(model)
    anonymous = env.gateway.client()
    try:
        assert (
            anonymous.post(
                "/pg/chat/completions", json={"model": model, "messages": HELLO}
            ).status_code
            == 401
        )
    finally:
        anonymous.close()
    user = env.user(quota=100_000)
    refused = user.client.post(
        "/pg/chat/completions", json={"model": model, "messages": HELLO, "group": "not-a-group"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "group_not_allowed"
