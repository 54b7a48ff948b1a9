"""new-api's CriticalRateLimit for the routes that reveal keys.

Counted per client IP in a fixed window: in Redis when configured (shared by every node),
otherwise in this process; limits from ``CRITICAL_RATE_LIMIT*`` (new-api's env names).
relaygate.protection guards login and the other critical routes by path; these key-reveal
routes carry this dependency until that table lists them too.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from relaygate.errors import RateLimited
from relaygate.kit import clock
from relaygate.runtime import Runtime

_STATE_ATTRIBUTE = "management_rate_windows"


@dataclass(slots=True)
class FixedWindows:
    """Hit counters per (scope, client) for the current window of each."""

    counters: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def hit(self, scope: str, client: str, *, limit: int, window: int, now: int) -> bool:
        """Count one hit; False when it goes over ``limit`` in the window."""
        started, count = self.counters.get((scope, client), (now, 0))
        if now - started >= window:
            started, count = now, 0
        count += 1
        self.counters[(scope, client)] = (started, count)
        if len(self.counters) > 100_000:  # forget stale clients rather than grow forever
            self.counters = {k: v for k, v in self.counters.items() if now - v[0] < window}
        return count <= limit


def client_ip(request: Request) -> str:
    """The peer address (proxies in front are expected to set it correctly)."""
    return request.client.host if request.client else "unknown"


async def _allowed(request: Request, scope: str, limit: int, window: int) -> bool:
    runtime: Runtime = request.app.state.runtime
    ip = client_ip(request)
    if runtime.redis is not None:
        key = f"relaygate:rl:{scope}:{ip}"
        count = int(await runtime.redis.incr(key))
        if count == 1:
            await runtime.redis.expire(key, window)
        return count <= limit
    windows: FixedWindows | None = getattr(request.app.state, _STATE_ATTRIBUTE, None)
    if windows is None:
        windows = FixedWindows()
        setattr(request.app.state, _STATE_ATTRIBUTE, windows)
    return windows.hit(scope, ip, limit=limit, window=window, now=clock.now())


def _limiter(
    scope: str, pick: Callable[[Runtime], tuple[bool, int, int]]
) -> Callable[[Request], Coroutine[Any, Any, None]]:
    async def dependency(request: Request) -> None:
        enabled, limit, window = pick(request.app.state.runtime)
        if enabled and limit > 0 and not await _allowed(request, scope, limit, window):
            raise RateLimited("请求过于频繁，请稍后再试")

    return dependency


critical_rate_limit = _limiter(
    "critical",
    lambda r: (
        r.settings.critical_rate_limit_enable,
        r.settings.critical_rate_limit,
        r.settings.critical_rate_limit_duration,
    ),
)
"""FastAPI dependency: new-api's CriticalRateLimit (default 20 per 20 minutes per IP)."""
