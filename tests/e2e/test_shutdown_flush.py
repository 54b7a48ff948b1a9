"""SIGTERM drains the ledger: every queued settlement and log row reaches the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.e2e.conftest import start_gateway
from tests.e2e.relay_env import RelayEnv, ok, unique
from tests.support.gateway import ROOT_PASSWORD, ROOT_USERNAME, Gateway
from tests.support.mock_upstream import MockUpstream


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def slow_ledger_gateway(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Gateway]:
    # a flush interval far longer than the test, so rows are still queued at SIGTERM
    yield from start_gateway(
        request,
        request.param,
        tmp_path,
        env={"LOG_FLUSH_INTERVAL": "60", "LOG_BATCH_SIZE": "100000"},
    )


def test_sigterm_flushes_every_row(
    slow_ledger_gateway: Gateway, mock_upstream: MockUpstream
) -> None:
    env = RelayEnv(gateway=slow_ledger_gateway, mock=mock_upstream)
    model = unique("chat")
    env.price(model)
    env.channel(model)
    user = env.user(quota=1_000_000)
    key = env.token(user, unlimited=True)
    for index in range(25):
        answer = httpx.post(
            env.v1 + "/chat/completions",
            json={
                "model": model,
                "messages": [{"role": "user", "content": f"hi {index}"}],
                "stream": index % 2 == 0,
            },
            headers={"Authorization": f"Bearer {key}"},
        )
        assert answer.status_code == 200
    assert env.me(user)["request_count"] == 0  # still queued
    slow_ledger_gateway.stop()
    slow_ledger_gateway.start()
    root = slow_ledger_gateway.login(ROOT_USERNAME, ROOT_PASSWORD)
    page = ok(
        root.client.get(
            "/api/log/", params={"username": user.username, "page_size": 100, "type": 2}
        )
    )
    rows = page["items"]
    assert page["total"] == 25
    users = ok(root.client.get("/api/user/search", params={"keyword": user.username}))["items"]
    me = next(u for u in users if u["username"] == user.username)
    assert me["request_count"] == 25
    assert me["used_quota"] == sum(r["quota"] for r in rows)
