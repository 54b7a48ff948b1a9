"""Cloudflare Turnstile: ask the siteverify endpoint whether a widget token is genuine."""

from __future__ import annotations

from relaygate.auth import http
from relaygate.kit import jsonx

DEFAULT_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
_TIMEOUT = 10.0


class TurnstileError(Exception):
    """siteverify could not be reached or answered something unreadable."""


async def verify(url: str, *, secret: str, response: str, remote_ip: str) -> bool:
    """POST the form new-api posts; True when siteverify answers ``success: true``."""
    form = {"secret": secret, "response": response, "remoteip": remote_ip}
    try:
        answer = await http.request("POST", url, data=form, total=_TIMEOUT, follow_redirects=True)
    except http.HttpError as exc:
        raise TurnstileError(f"Turnstile 校验请求失败: {exc}") from None
    try:
        parsed = jsonx.loads(answer.body)
    except ValueError:
        raise TurnstileError("Turnstile 校验返回了无法解析的内容") from None
    return isinstance(parsed, dict) and parsed.get("success") is True
