"""Cloudflare Turnstile: ask the siteverify endpoint whether a widget token is genuine."""

from __future__ import annotations

import aiohttp

from relaygate.kit import jsonx

DEFAULT_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
_TIMEOUT = aiohttp.ClientTimeout(total=10)


class TurnstileError(Exception):
    """siteverify could not be reached or answered something unreadable."""


async def verify(url: str, *, secret: str, response: str, remote_ip: str) -> bool:
    """POST the form new-api posts; True when siteverify answers ``success: true``."""
    form = {"secret": secret, "response": response, "remoteip": remote_ip}
    try:
        async with (
            aiohttp.ClientSession(timeout=_TIMEOUT) as session,
            session.post(url, data=form) as answer,
        ):
            body = await answer.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TurnstileError(f"Turnstile 校验请求失败: {exc}") from None
    try:
        parsed = jsonx.loads(body)
    except ValueError:
        raise TurnstileError("Turnstile 校验返回了无法解析的内容") from None
    return isinstance(parsed, dict) and parsed.get("success") is True
