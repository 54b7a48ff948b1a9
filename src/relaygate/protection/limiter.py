"""Sliding-log rate limiters, as new-api's: at most N allowed requests in any ``duration`` seconds.

Only allowed requests are recorded, so a client that keeps hammering is let in again as soon as
its oldest recorded request leaves the window. Two backends answer the same question: one
in-process (per node), one in Redis (shared by every node, atomic in a Lua script, clocked by
the Redis server so nodes with skewed clocks agree).
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

_SWEEP_INTERVAL = 60.0


class Limiter(Protocol):
    """Records a request under ``key`` if allowed."""

    async def hit(self, key: str, limit: int, duration: int) -> float:
        """0 when the request is allowed, else the seconds until it would be."""
        ...


class MemoryLimiter:
    """Per-process limiter; one instance per app, so tests and apps never share counters."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[str, tuple[deque[float], int]] = {}
        self._next_sweep = clock() + _SWEEP_INTERVAL

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + _SWEEP_INTERVAL
        stale = [
            key
            for key, (stamps, duration) in self._hits.items()
            if not stamps or now - stamps[-1] >= duration
        ]
        for key in stale:
            del self._hits[key]

    def hit_now(self, key: str, limit: int, duration: int) -> float:
        """The synchronous form of ``hit``."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        entry = self._hits.get(key)
        if entry is None or entry[0].maxlen != limit:
            entry = (deque(entry[0] if entry else (), maxlen=limit), duration)
            self._hits[key] = entry
        stamps = entry[0]
        if len(stamps) < limit:
            stamps.append(now)
            return 0.0
        elapsed = now - stamps[0]
        if elapsed < duration:
            return duration - elapsed
        stamps.append(now)  # maxlen drops the oldest
        return 0.0

    async def hit(self, key: str, limit: int, duration: int) -> float:
        return self.hit_now(key, limit, duration)


# KEYS[1]: list of allowed-request times (ms, newest first). ARGV: limit, window ms, ttl s.
_SLIDING_LOG = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('LLEN', key) >= limit then
  local oldest = tonumber(redis.call('LINDEX', key, limit - 1))
  if oldest and now - oldest < window then
    redis.call('EXPIRE', key, ttl)
    return window - (now - oldest)
  end
end
redis.call('LPUSH', key, now)
redis.call('LTRIM', key, 0, limit - 1)
redis.call('EXPIRE', key, ttl)
return 0
"""


class RedisLimiter:
    """Limiter shared by every node; falls back to ``fallback`` while Redis is unreachable."""

    def __init__(self, redis: Any, fallback: MemoryLimiter) -> None:
        self.redis = redis
        self._script = redis.register_script(_SLIDING_LOG)
        self._fallback = fallback

    async def hit(self, key: str, limit: int, duration: int) -> float:
        try:
            wait_ms = await self._script(
                keys=[key], args=[limit, duration * 1000, max(1, math.ceil(duration)) + 1]
            )
        except Exception as exc:  # any Redis failure degrades to per-node limits
            log.warning("rate limit: Redis unavailable (%s); using the in-process limiter", exc)
            return self._fallback.hit_now(key, limit, duration)
        return float(wait_ms) / 1000.0
