"""Short-lived codes sent by mail (new-api common/verification.go): Redis when present, else memory.

With several nodes behind a load balancer, the node that checks a code is usually not the one
that sent it, so codes live in Redis whenever it is configured; the in-process map is the
single-node fallback (and the fallback while Redis is unreachable).
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

log = logging.getLogger(__name__)

EMAIL_VERIFICATION = "v"
PASSWORD_RESET = "r"
VALID_MINUTES = 10
_MEMORY_SWEEP_SIZE = 1000


class CodeStore:
    """``purpose`` + ``key`` (an email) → code, each expiring after ``ttl`` seconds."""

    def __init__(self, redis: Any | None, *, ttl: int = VALID_MINUTES * 60) -> None:
        self.redis = redis
        self.ttl = ttl
        self._memory: dict[str, tuple[str, float]] = {}

    @staticmethod
    def _key(purpose: str, key: str) -> str:
        return f"verification:{purpose}:{key}"

    def _sweep(self) -> None:
        now = time.monotonic()
        for name in [k for k, (_, expires) in self._memory.items() if expires <= now]:
            del self._memory[name]

    async def put(self, purpose: str, key: str, code: str) -> None:
        """Store a code, replacing any earlier one for the same purpose and key."""
        name = self._key(purpose, key)
        if self.redis is not None:
            try:
                await self.redis.set(name, code, ex=self.ttl)
                return
            except Exception as exc:  # Redis down: keep working on this node
                log.warning("verification codes: Redis unavailable (%s); using memory", exc)
        if len(self._memory) >= _MEMORY_SWEEP_SIZE:
            self._sweep()
        self._memory[name] = (code, time.monotonic() + self.ttl)

    async def _get(self, name: str) -> str | None:
        if self.redis is not None:
            try:
                stored = await self.redis.get(name)
            except Exception as exc:
                log.warning("verification codes: Redis unavailable (%s); using memory", exc)
            else:
                if stored is not None:
                    return stored.decode() if isinstance(stored, bytes) else str(stored)
        entry = self._memory.get(name)
        if entry is None or entry[1] <= time.monotonic():
            return None
        return entry[0]

    async def check(self, purpose: str, key: str, code: str) -> bool:
        """Whether ``code`` is the live code for this purpose and key (constant-time compare)."""
        if not code:
            return False
        stored = await self._get(self._key(purpose, key))
        return stored is not None and hmac.compare_digest(stored.encode(), code.encode())

    async def delete(self, purpose: str, key: str) -> None:
        """Forget a code (after use, or when sending it failed)."""
        name = self._key(purpose, key)
        self._memory.pop(name, None)
        if self.redis is not None:
            try:
                await self.redis.delete(name)
            except Exception as exc:
                log.warning("verification codes: Redis unavailable (%s)", exc)
