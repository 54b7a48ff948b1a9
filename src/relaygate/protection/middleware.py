"""Pure ASGI guard for /api and the console: new-api's rate limits and its Turnstile check.

Mounted inside the session middleware (it reads the signed session) and behind the relay fast
lane, so ``/v1`` calls never reach it. Which guard applies is a table of (method, path), the
same routes new-api decorates with ``CriticalRateLimit``, ``EmailVerificationRateLimit``,
``SearchRateLimit`` and ``TurnstileCheck``; every /api path also pays the global API limit, and
every other path (the console) the global web limit.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from relaygate.config import Settings
from relaygate.kit import jsonx
from relaygate.protection import turnstile
from relaygate.protection.limiter import Limiter, MemoryLimiter, RedisLimiter

log = logging.getLogger(__name__)

TOO_MANY = "请求过于频繁，请稍后再试"
EMAIL_VERIFICATION_LIMIT = 2
EMAIL_VERIFICATION_WINDOW = 30


@dataclass(frozen=True, slots=True)
class Limit:
    """``requests`` per ``duration`` seconds per client IP (or per user when ``per_user``)."""

    mark: str
    requests: int
    duration: int
    per_user: bool = False
    message: str = TOO_MANY


@dataclass(frozen=True, slots=True)
class Guard:
    """What one route pays before its handler runs."""

    limits: tuple[Limit, ...] = ()
    turnstile: bool = False


@dataclass(slots=True)
class GuardTable:
    """Route → guard, plus the global limits."""

    api: Limit | None
    web: Limit | None
    exact: dict[tuple[str, str], Guard] = field(default_factory=dict)
    prefixes: list[tuple[str, str, Guard]] = field(default_factory=list)

    def add(self, method: str, path: str, guard: Guard) -> None:
        if path.endswith("/*"):
            self.prefixes.append((method, path[:-1], guard))
        else:
            self.exact[(method, path)] = guard

    def match(self, method: str, path: str) -> Guard | None:
        found = self.exact.get((method, path))
        if found is not None:
            return found
        for route_method, prefix, guard in self.prefixes:
            if route_method == method and path.startswith(prefix):
                return guard
        return None


def _limit(enabled: bool, mark: str, requests: int, duration: int, **kw: Any) -> Limit | None:
    if not enabled or requests <= 0 or duration <= 0:
        return None
    return Limit(mark, requests, duration, **kw)


def build_table(settings: Settings) -> GuardTable:
    """The guards new-api's router declares, sized by the settings."""
    s = settings
    table = GuardTable(
        api=_limit(
            s.global_api_rate_limit_enable, "GA", s.global_api_rate_limit,
            s.global_api_rate_limit_duration,
        ),
        web=_limit(
            s.global_web_rate_limit_enable, "GW", s.global_web_rate_limit,
            s.global_web_rate_limit_duration,
        ),
    )  # fmt: skip
    critical = _limit(
        s.critical_rate_limit_enable, "CT", s.critical_rate_limit, s.critical_rate_limit_duration
    )
    search = _limit(
        s.search_rate_limit_enable, "SR", s.search_rate_limit, s.search_rate_limit_duration,
        per_user=True,
    )  # fmt: skip
    email = Limit(
        "EV",
        EMAIL_VERIFICATION_LIMIT,
        EMAIL_VERIFICATION_WINDOW,
        message="发送过于频繁，请稍后再试",
    )
    ct = (critical,) if critical else ()
    for method, path, check in [
        ("POST", "/api/user/register", True),
        ("POST", "/api/user/login", True),
        ("GET", "/api/reset_password", True),
        ("POST", "/api/user/login/2fa", False),
        ("POST", "/api/user/passkey/login/begin", False),
        ("POST", "/api/user/passkey/login/finish", False),
        ("POST", "/api/user/reset", False),
        ("POST", "/api/verify", False),
        ("GET", "/api/ratio_config", False),
        ("POST", "/api/user/topup", False),
        ("POST", "/api/user/pay", False),
        ("POST", "/api/user/stripe/pay", False),
        ("POST", "/api/user/creem/pay", False),
        ("GET", "/api/oauth/*", False),
        ("POST", "/api/oauth/*", False),
    ]:
        table.add(method, path, Guard(ct, turnstile=check))
    table.add("GET", "/api/verification", Guard((email,), turnstile=True))
    table.add("POST", "/api/user/checkin", Guard(turnstile=True))
    if search:
        table.add("GET", "/api/token/search", Guard((search,)))
        table.add("GET", "/api/log/self/search", Guard((search,)))
    return table


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _client_ip(scope: Scope) -> str:
    # uvicorn rewrites ``client`` from X-Forwarded-For only for trusted proxies (--trust-proxy).
    client = scope.get("client")
    return str(client[0]) if client else ""


def _user_identity(scope: Scope) -> str:
    """The signed session's user id, or a digest of the access token; "" when anonymous.

    Taken before authentication, but both are unforgeable: a request naming someone else's
    ``New-Api-User`` cannot spend that user's budget.
    """
    session = scope.get("session")
    if isinstance(session, dict) and session.get("id") is not None:
        return f"user:{session['id']}"
    auth = _header(scope, b"authorization").strip()
    if auth.lower().startswith("bearer "):
        auth = auth[7:].strip()
    if auth:
        return "token:" + hashlib.sha256(auth.encode()).hexdigest()[:32]
    return ""


def _envelope(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    body = jsonx.dumps({"success": False, "message": message, "data": None})
    return Response(body, status_code=status, media_type="application/json", headers=headers)


class Protection:
    """Rate limits and Turnstile for everything the fast lane did not take."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.table = build_table(settings)
        self.verify_url = settings.turnstile_verify_url
        self.memory = MemoryLimiter()
        self._redis_limiter: RedisLimiter | None = None

    def _limiter(self, runtime: Any) -> Limiter:
        redis = getattr(runtime, "redis", None)
        if redis is None:
            return self.memory
        if self._redis_limiter is None or self._redis_limiter.redis is not redis:
            self._redis_limiter = RedisLimiter(redis, self.memory)
        return self._redis_limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        guard = self.table.match(scope["method"], path)
        is_api = path == "/api" or path.startswith("/api/")
        overall = self.table.api if is_api else None if path.startswith("/v1") else self.table.web
        if overall is None and guard is None:
            await self.app(scope, receive, send)
            return
        runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
        limits = ((overall,) if overall else ()) + (guard.limits if guard else ())
        refusal = await self._check_limits(scope, runtime, limits)
        if refusal is None and guard is not None and guard.turnstile:
            refusal = await self._check_turnstile(scope, runtime)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _check_limits(
        self, scope: Scope, runtime: Any, limits: tuple[Limit, ...]
    ) -> Response | None:
        if not limits:
            return None
        limiter = self._limiter(runtime)
        ip = _client_ip(scope)
        for limit in limits:
            identity = _user_identity(scope) if limit.per_user else ip
            if not identity:
                continue
            key = f"rateLimit:{limit.mark}:{identity}"
            wait = await limiter.hit(key, limit.requests, limit.duration)
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                message = limit.message
                if limit.mark == "EV":
                    message = f"发送过于频繁，请等待 {seconds} 秒后再试"
                return _envelope(message, 429, {"Retry-After": str(seconds)})
        return None

    async def _check_turnstile(self, scope: Scope, runtime: Any) -> Response | None:
        options = getattr(getattr(runtime, "options", None), "current", None)
        if options is None or options.get("TurnstileCheckEnabled") != "true":
            return None
        session = scope.get("session")
        if isinstance(session, dict) and session.get("turnstile"):
            return None
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("turnstile") or [""])[0]
        if not token:
            return _envelope("Turnstile token 为空", 200)
        try:
            passed = await turnstile.verify(
                self.verify_url,
                secret=options.get("TurnstileSecretKey"),
                response=token,
                remote_ip=_client_ip(scope),
            )
        except turnstile.TurnstileError as exc:
            log.warning("turnstile: %s", exc)
            return _envelope(str(exc), 200)
        if not passed:
            return _envelope("Turnstile 校验失败，请刷新重试！", 200)
        if isinstance(session, dict):
            session["turnstile"] = True  # one check per session, as new-api
        return None
