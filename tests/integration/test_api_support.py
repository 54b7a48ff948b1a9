"""Shared helpers for the /api tests: actors with access tokens, and direct database access.

Holds no tests; ``app_client`` comes from tests/conftest.py (SQLite and PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from relaygate.runtime import Runtime

ROOT_USERNAME = "root"
ROOT_PASSWORD = "root-password-1"
PASSWORD = "password-123"


def runtime_of(client: httpx.AsyncClient) -> Runtime:
    """The runtime of the app behind an ASGITransport client."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    runtime: Runtime = transport.app.state.runtime  # type: ignore[attr-defined]
    return runtime


@dataclass(frozen=True)
class Actor:
    """A logged-in user, authenticated by access token (so several can act on one client)."""

    id: int
    headers: dict[str, str]


async def ok(response: httpx.Response) -> Any:
    """The data of a successful envelope (asserts success)."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True, body
    return body["data"]


def refused(response: httpx.Response) -> str:
    """The message of an HTTP 200 ``success: false`` envelope."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is False, body
    return str(body["message"])


async def login(client: httpx.AsyncClient, username: str, password: str) -> Actor:
    """Log in, trade the session for an access token, and drop the cookie."""
    data = await ok(
        await client.post("/api/user/login", json={"username": username, "password": password})
    )
    user_id = int(data["id"])
    token = await ok(await client.get("/api/user/token", headers={"New-Api-User": str(user_id)}))
    client.cookies.clear()
    return Actor(user_id, {"Authorization": f"Bearer {token}", "New-Api-User": str(user_id)})


async def setup_root(client: httpx.AsyncClient) -> Actor:
    """Run first-time setup and return the root actor."""
    await ok(
        await client.post(
            "/api/setup",
            json={
                "username": ROOT_USERNAME,
                "password": ROOT_PASSWORD,
                "confirmPassword": ROOT_PASSWORD,
            },
        )
    )
    return await login(client, ROOT_USERNAME, ROOT_PASSWORD)


async def create_user(
    client: httpx.AsyncClient, creator: Actor, username: str, *, role: int = 1
) -> Actor:
    """Create an account through the admin API and log it in."""
    await ok(
        await client.post(
            "/api/user/",
            json={"username": username, "password": PASSWORD, "role": role},
            headers=creator.headers,
        )
    )
    return await login(client, username, PASSWORD)
