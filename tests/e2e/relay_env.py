"""A running gateway on SQLite or PostgreSQL with helpers to add users, tokens and channels."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from tests.support.gateway import ApiUser, Gateway
from tests.support.mock_upstream import MockUpstream

from relaygate.kit import jsonx


def unique(prefix: str) -> str:
    """A model or name no other test uses (letters only after the prefix: the mock reads digits)."""
    return prefix + "-" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


def ok(response: httpx.Response) -> Any:
    """The ``data`` of a successful /api answer."""
    body = response.json()
    assert body["success"], body
    return body.get("data")


@dataclass
class RelayEnv:
    gateway: Gateway
    mock: MockUpstream
    ratios: dict[str, float] = field(default_factory=dict)

    @property
    def root(self) -> ApiUser:
        return self.gateway.root

    @property
    def v1(self) -> str:
        return self.gateway.url + "/v1"

    def set_option(self, key: str, value: Any) -> None:
        text = value if isinstance(value, str) else jsonx.dumps_str(value)
        ok(self.root.client.put("/api/option/", json={"key": key, "value": text}))

    def price(self, *models: str, ratio: float = 1.0) -> None:
        """Give models ratio 1 (and completion ratio 1): quota = prompt + completion tokens."""
        for model in models:
            self.ratios[model] = ratio
        self.set_option("ModelRatio", self.ratios)
        self.set_option("CompletionRatio", dict.fromkeys(self.ratios, 1))

    def channel(
        self,
        models: str,
        *,
        key: str | None = None,
        priority: int = 0,
        weight: int = 1,
        model_mapping: dict[str, str] | None = None,
        base_url: str | None = None,
        group: str = "default",
        channel_type: int = 1,
    ) -> tuple[int, str]:
        """Add a channel on the mock (OpenAI type 1 unless ``channel_type``, e.g. 14 Anthropic,
        24 Gemini); returns (id, upstream key)."""
        key = key or unique("key")
        channel = {
            "type": channel_type,
            "name": unique("ch"),
            "key": key,
            "base_url": base_url or self.mock.url,
            "models": models,
            "group": group,
            "priority": priority,
            "weight": weight,
            "model_mapping": jsonx.dumps_str(model_mapping) if model_mapping else "",
        }
        ok(self.root.client.post("/api/channel/", json={"mode": "single", "channel": channel}))
        found = ok(self.root.client.get("/api/channel/search", params={"keyword": channel["name"]}))
        items = found["items"] if isinstance(found, dict) else found
        return int(items[0]["id"]), key

    def user(self, quota: int) -> ApiUser:
        """A fresh common user with ``quota``, logged in."""
        name = unique("u")[:20]
        password = "pw-" + name[-12:]
        ok(
            self.root.client.post(
                "/api/user/", json={"username": name, "password": password, "display_name": name}
            )
        )
        users = ok(self.root.client.get("/api/user/search", params={"keyword": name}))
        items = users["items"] if isinstance(users, dict) else users
        user_id = next(u["id"] for u in items if u["username"] == name)
        ok(
            self.root.client.post(
                "/api/user/manage",
                json={"id": user_id, "action": "add_quota", "mode": "override", "value": quota},
            )
        )
        return self.gateway.login(name, password)

    def token(
        self, user: ApiUser, *, remain_quota: int = 0, unlimited: bool = False, **extra: Any
    ) -> str:
        """A new token for ``user``; returns the client key ``sk-…``."""
        created = ok(
            user.client.post(
                "/api/token/",
                json={
                    "name": unique("t"),
                    "remain_quota": remain_quota,
                    "unlimited_quota": unlimited,
                    "expired_time": -1,
                    **extra,
                },
            )
        )
        return "sk-" + created["key"]

    def me(self, user: ApiUser) -> dict[str, Any]:
        data: dict[str, Any] = ok(user.client.get("/api/user/self"))
        return data

    def token_row(self, user: ApiUser, key: str) -> dict[str, Any]:
        tokens = ok(user.client.get("/api/token/", params={"size": 100}))["items"]
        body = key.removeprefix("sk-")
        for token in tokens:
            if token["key"][:4] == body[:4] and token["key"][-4:] == body[-4:]:
                return dict(token)
        raise AssertionError("token not found")

    def logs(self, user: ApiUser, **filters: Any) -> list[dict[str, Any]]:
        """The user's relay rows (consume and error), newest first; manage rows left out."""
        page = ok(
            self.root.client.get(
                "/api/log/", params={"username": user.username, "page_size": 100, **filters}
            )
        )
        return [row for row in page["items"] if row["type"] != 3 or "type" in filters]

    def wait_for(self, check: Callable[[], bool], timeout: float = 10.0) -> None:
        """Poll until ``check()`` holds (the ledger writes in batches)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.05)
        raise AssertionError("condition not reached in time")
