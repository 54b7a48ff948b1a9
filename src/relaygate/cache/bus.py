"""Change notifications: a management write publishes a topic; every node reloads what it caches.

Without Redis the bus is in-process (one node). With ``REDIS_CONN_STRING`` it is Redis pub/sub,
so every node of a cluster drops its stale snapshots within milliseconds; the periodic
``SYNC_FREQUENCY`` reload stays as the safety net for a missed message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Listener = Callable[[str, str], Awaitable[None]]
"""Called with (topic, payload) for each published change."""

_CHANNEL = "relaygate:changes"


class ChangeBus(Protocol):
    """Publishes and delivers cache-invalidation messages."""

    def subscribe(self, listener: Listener) -> None: ...
    async def publish(self, topic: str, payload: str = "") -> None: ...
    async def start(self) -> None: ...
    async def close(self) -> None: ...


class LocalBus:
    """Delivers to this process's listeners only."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def publish(self, topic: str, payload: str = "") -> None:
        for listener in self._listeners:
            await listener(topic, payload)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisBus:
    """Redis pub/sub: local listeners run at once, other nodes on the message."""

    def __init__(self, redis: Any) -> None:
        self._redis = redis
        self._local = LocalBus()
        self._task: asyncio.Task[None] | None = None
        self._node = id(self)

    def subscribe(self, listener: Listener) -> None:
        self._local.subscribe(listener)

    async def publish(self, topic: str, payload: str = "") -> None:
        await self._local.publish(topic, payload)
        await self._redis.publish(_CHANNEL, f"{self._node}|{topic}|{payload}")

    async def start(self) -> None:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(_CHANNEL)
        self._task = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub: Any) -> None:
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                raw = message["data"]
                text = raw.decode() if isinstance(raw, bytes) else str(raw)
                node, _, rest = text.partition("|")
                if node == str(self._node):
                    continue
                topic, _, payload = rest.partition("|")
                try:
                    await self._local.publish(topic, payload)
                except Exception:
                    log.exception("cache listener failed for %s", topic)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


def create_bus(redis: Any | None) -> ChangeBus:
    """The bus for this deployment: Redis when configured, in-process otherwise."""
    return RedisBus(redis) if redis is not None else LocalBus()
