"""In-process periodic jobs: one asyncio TaskGroup, each job on its own interval.

With Redis, only the node holding the leader lock runs them (``SET NX PX``, renewed while it
lives, released on shutdown), so a fleet polls each upstream once. Without Redis the master
node (``NODE_TYPE``) is the leader, as new-api runs its pollers on the master only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from relaygate.runtime import Runtime

log = logging.getLogger(__name__)

LEADER_KEY = "relaygate:jobs:leader"
LEADER_TTL_MS = 30_000
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


@dataclass(frozen=True, slots=True)
class Job:
    """One periodic job: ``run`` is awaited every ``interval`` seconds while we lead."""

    name: str
    interval: float
    run: Callable[[], Awaitable[None]]


class LeaderLock:
    """Whether this node may run leader jobs now."""

    def __init__(self, redis: Any | None, *, is_master: bool, ttl_ms: int = LEADER_TTL_MS) -> None:
        self._redis = redis
        self._is_master = is_master
        self._ttl_ms = ttl_ms
        self.node_id = secrets.token_hex(8)

    async def held(self) -> bool:
        """Take or renew the lock; False when another node holds it (or Redis is down)."""
        if self._redis is None:
            return self._is_master
        try:
            if await self._redis.set(LEADER_KEY, self.node_id, nx=True, px=self._ttl_ms):
                return True
            renewed = await self._redis.eval(_RENEW, 1, LEADER_KEY, self.node_id, self._ttl_ms)
            return bool(renewed)
        except Exception:
            log.exception("leader lock check failed; skipping this round")
            return False

    async def release(self) -> None:
        """Give the lock up so another node takes over at once."""
        if self._redis is None:
            return
        with contextlib.suppress(Exception):
            await self._redis.eval(_RELEASE, 1, LEADER_KEY, self.node_id)


class JobRunner:
    """Runs ``jobs`` in the background from ``start()`` until ``close()``."""

    def __init__(self, runtime: Runtime, jobs: Sequence[Job]) -> None:
        self.jobs = list(jobs)
        self.lock = LeaderLock(runtime.redis, is_master=runtime.settings.is_master)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start every job loop."""
        if self.jobs:
            self._task = asyncio.create_task(self._main(), name="relaygate-jobs")

    async def close(self) -> None:
        """Stop the loops (a run in progress is cancelled) and release the lock."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.lock.release()

    async def _main(self) -> None:
        async with asyncio.TaskGroup() as group:
            for job in self.jobs:
                group.create_task(self._loop(job), name=f"job:{job.name}")

    async def _loop(self, job: Job) -> None:
        while True:
            await asyncio.sleep(job.interval)
            if not await self.lock.held():
                continue
            try:
                await job.run()
            except Exception:
                # one failed round must not end the job (or, through the TaskGroup, the others)
                log.exception("job %s failed", job.name)
