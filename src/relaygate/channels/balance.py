"""Upstream account balances, one fetcher per channel type (new-api controller/channel-billing.go).

Each fetcher answers the balance new-api shows for that vendor (USD for OpenAI-style dashboards
and OpenRouter, the vendor's own currency for DeepSeek and SiliconFlow). A channel's base URL,
when set, replaces the vendor's default host, so proxies and test servers work the same way.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from relaygate.errors import UpstreamError
from relaygate.kit import jsonx
from relaygate.providers.base import ChannelTarget, ChannelType, UpstreamRequest
from relaygate.providers.transport import Transport

BALANCE_TIMEOUT = 30.0

BalanceFetcher = Callable[[ChannelTarget, Transport, float], Awaitable[float]]
"""(channel, transport, CNY per USD) → balance."""


class BalanceUnsupported(LookupError):
    """The channel type has no balance endpoint (new-api: "尚未实现")."""


def _base(target: ChannelTarget, default: str) -> str:
    return (target.base_url or default).rstrip("/")


def _without_version(base: str) -> str:
    return base[: -len("/v1")] if base.endswith("/v1") else base


async def _get_json(target: ChannelTarget, transport: Transport, url: str) -> dict[str, Any]:
    request = UpstreamRequest(
        method="GET",
        url=url,
        headers={"Authorization": f"Bearer {target.key}", "Accept": "application/json"},
        body=b"",
    )
    response = await transport.send(
        request,
        channel_id=target.channel_id,
        first_byte_timeout=BALANCE_TIMEOUT,
        idle_timeout=BALANCE_TIMEOUT,
    )
    body = await response.read()
    if response.status != 200:
        raise UpstreamError(
            f"status code: {response.status}",
            status_code=response.status,
            channel_id=target.channel_id,
        )
    try:
        payload = jsonx.loads(body)
    except ValueError:
        raise UpstreamError("balance answer is not JSON", channel_id=target.channel_id) from None
    if not isinstance(payload, dict):
        raise UpstreamError("balance answer is not a JSON object", channel_id=target.channel_id)
    return payload


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UpstreamError(f"unexpected balance value {value!r}") from None


async def openai_dashboard(target: ChannelTarget, transport: Transport, _rate: float) -> float:
    """Hard limit from ``/v1/dashboard/billing/subscription`` minus this period's usage."""
    base = _without_version(_base(target, "https://api.openai.com"))
    subscription = await _get_json(target, transport, f"{base}/v1/dashboard/billing/subscription")
    today = datetime.datetime.now(datetime.UTC).date()
    start = today.replace(day=1)
    if not subscription.get("has_payment_method"):
        start = today - datetime.timedelta(days=100)
    usage = await _get_json(
        target,
        transport,
        f"{base}/v1/dashboard/billing/usage?start_date={start:%Y-%m-%d}&end_date={today:%Y-%m-%d}",
    )
    # total_usage is in cents.
    hard_limit = _number(subscription.get("hard_limit_usd", 0))
    return hard_limit - _number(usage.get("total_usage", 0)) / 100


async def credit_grants(target: ChannelTarget, transport: Transport, _rate: float) -> float:
    """``/dashboard/billing/credit_grants`` resellers (API2GPT, AIGC2D)."""
    defaults: dict[int, str] = {ChannelType.API2GPT: "https://api.api2gpt.com"}
    base = _without_version(
        _base(target, defaults.get(target.channel_type, "https://api.aigc2d.com"))
    )
    grants = await _get_json(target, transport, f"{base}/dashboard/billing/credit_grants")
    return _number(grants.get("total_available", grants.get("total_remaining", 0)))


async def deepseek(target: ChannelTarget, transport: Transport, _rate: float) -> float:
    """DeepSeek ``/user/balance``: the CNY total balance."""
    base = _without_version(_base(target, "https://api.deepseek.com"))
    payload = await _get_json(target, transport, f"{base}/user/balance")
    for info in payload.get("balance_infos") or []:
        if isinstance(info, dict) and info.get("currency") == "CNY":
            return _number(info.get("total_balance"))
    raise UpstreamError("currency CNY not found", channel_id=target.channel_id)


async def siliconflow(target: ChannelTarget, transport: Transport, _rate: float) -> float:
    """SiliconFlow ``/v1/user/info``: ``data.totalBalance`` (code 20000 means success)."""
    base = _without_version(_base(target, "https://api.siliconflow.cn"))
    payload = await _get_json(target, transport, f"{base}/v1/user/info")
    if payload.get("code") != 20000:
        raise UpstreamError(
            f"code: {payload.get('code')}, message: {payload.get('message')}",
            channel_id=target.channel_id,
        )
    data = payload.get("data")
    return _number(data.get("totalBalance") if isinstance(data, dict) else None)


async def openrouter(target: ChannelTarget, transport: Transport, _rate: float) -> float:
    """OpenRouter ``/api/v1/credits``: credits bought minus credits used."""
    base = _base(target, "https://openrouter.ai/api")
    if base.endswith("/v1"):
        url = f"{base}/credits"
    elif base.endswith("/api"):
        url = f"{base}/v1/credits"
    else:
        url = f"{base}/api/v1/credits"
    payload = await _get_json(target, transport, url)
    data = payload.get("data")
    if not isinstance(data, dict):
        raise UpstreamError("credits answer has no data", channel_id=target.channel_id)
    return _number(data.get("total_credits", 0)) - _number(data.get("total_usage", 0))


async def moonshot(target: ChannelTarget, transport: Transport, cny_per_usd: float) -> float:
    """Moonshot ``/v1/users/me/balance``: available CNY converted to USD."""
    base = _without_version(_base(target, "https://api.moonshot.cn"))
    payload = await _get_json(target, transport, f"{base}/v1/users/me/balance")
    if not payload.get("status") or payload.get("code") != 0:
        raise UpstreamError(
            f"failed to update moonshot balance, code: {payload.get('code')}",
            channel_id=target.channel_id,
        )
    data = payload.get("data")
    available = _number(data.get("available_balance") if isinstance(data, dict) else None)
    return available / (cny_per_usd or 7.3)


BALANCE_FETCHERS: Final[Mapping[int, BalanceFetcher]] = {
    ChannelType.OPENAI: openai_dashboard,
    ChannelType.CUSTOM: openai_dashboard,
    ChannelType.API2GPT: credit_grants,
    ChannelType.AIGC2D: credit_grants,
    ChannelType.DEEPSEEK: deepseek,
    ChannelType.SILICONFLOW: siliconflow,
    ChannelType.OPENROUTER: openrouter,
    ChannelType.MOONSHOT: moonshot,
}


async def fetch_balance(
    target: ChannelTarget, transport: Transport, *, cny_per_usd: float = 7.3
) -> float:
    """The channel's balance; BalanceUnsupported for types without an endpoint."""
    fetcher = BALANCE_FETCHERS.get(target.channel_type)
    if fetcher is None:
        raise BalanceUnsupported("尚未实现")
    return await fetcher(target, transport, cny_per_usd)
