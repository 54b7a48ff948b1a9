"""One shared aiohttp session for the gateway's own small outbound calls (not relay traffic).

OAuth token exchanges, userinfo, OIDC discovery and JWKS, the WeChat code server, Turnstile's
siteverify and the payment gateways all go through :func:`session`: one connection pool per
process (per event loop), created on first use, closed by :func:`close` at shutdown. Relay
traffic keeps its own pool in ``providers.transport``.

Like the httpx client it replaces, the session honours ``HTTP(S)_PROXY`` / ``NO_PROXY``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from relaygate.kit import jsonx

DEFAULT_TIMEOUT = 10.0

_session: aiohttp.ClientSession | None = None
_loop: asyncio.AbstractEventLoop | None = None


class HttpError(Exception):
    """The request could not be sent or its answer not read (connection, TLS, timeout)."""


def timeout(seconds: float) -> aiohttp.ClientTimeout:
    """Connect and per-read limits of ``seconds`` each (httpx's ``timeout=`` semantics)."""
    return aiohttp.ClientTimeout(total=None, sock_connect=seconds, sock_read=seconds)


def session() -> aiohttp.ClientSession:
    """The shared session of the running loop, created on first use (or after :func:`close`)."""
    global _session, _loop
    loop = asyncio.get_running_loop()
    if _session is None or _session.closed or _loop is not loop:
        if _session is not None and not _session.closed:
            # Its loop is gone (a test harness with one loop per test): nothing to await on.
            _session.detach()
        _session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ttl_dns_cache=300, enable_cleanup_closed=True),
            timeout=timeout(DEFAULT_TIMEOUT),
            trust_env=True,
        )
        _loop = loop
    return _session


async def close() -> None:
    """Close the shared session (lifespan shutdown); the next call opens a new one."""
    global _session, _loop
    current, _session, _loop = _session, None, None
    if current is not None and not current.closed:
        with contextlib.suppress(Exception):
            await current.close()


@contextlib.asynccontextmanager
async def _errors() -> AsyncIterator[None]:
    try:
        yield
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise HttpError(str(exc) or type(exc).__name__) from exc


class Answer:
    """A fully read response: status, headers and body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return jsonx.loads(self.body)


async def request(
    method: str,
    url: str,
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    data: Any = None,
    seconds: float = DEFAULT_TIMEOUT,
    total: float | None = None,
    follow_redirects: bool = False,
) -> Answer:
    """Send one request and read the whole answer; network failures raise :class:`HttpError`.

    ``seconds`` limits the connect and each read; ``total``, when given, the whole call
    instead. Redirects are not followed unless asked (as httpx, which the OAuth calls used).
    """
    limit = aiohttp.ClientTimeout(total=total) if total is not None else timeout(seconds)
    async with (
        _errors(),
        session().request(
            method,
            url,
            params=params,
            headers=headers,
            data=data,
            timeout=limit,
            allow_redirects=follow_redirects,
        ) as response,
    ):
        body = await response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, body)
