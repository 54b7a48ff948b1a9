"""Relay API keys: read the key from any client's header, find its token, check it.

Token and user facts (status, expiry, group, limits) come from an in-memory index that a
management write invalidates; quota is never cached, it is reserved by a conditional UPDATE.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.token import (
    TOKEN_STATUS_ENABLED,
    TOKEN_STATUS_EXHAUSTED,
    TOKEN_STATUS_EXPIRED,
    Token,
)
from relaygate.db.models.user import ROLE_ADMIN, STATUS_ENABLED, User
from relaygate.errors import Forbidden, Unauthorized
from relaygate.kit import clock

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class PresentedKey:
    """What the client sent: the key body and an optional pinned channel (``sk-<key>-<id>``)."""

    key: str
    pinned_channel: int | None


@dataclass(frozen=True, slots=True)
class TokenEntry:
    """The cached facts of one token and its owner."""

    token_id: int
    token_name: str
    key: str
    user_id: int
    username: str
    user_role: int
    user_status: int
    user_group: str
    status: int
    expired_time: int
    unlimited_quota: bool
    model_limits: frozenset[str] | None
    allow_ips: tuple[IpNetwork, ...]
    group: str


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """An authenticated relay caller."""

    entry: TokenEntry
    group: str
    pinned_channel: int | None
    client_ip: str

    @property
    def user_id(self) -> int:
        return self.entry.user_id

    @property
    def token_id(self) -> int:
        return self.entry.token_id


def read_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    """The raw key from Authorization, x-api-key, x-goog-api-key or ``?key=``."""
    auth = headers.get("authorization", "")
    if auth:
        if auth[:7].lower() == "bearer ":
            auth = auth[7:]
        return auth.strip()
    for name in ("x-api-key", "x-goog-api-key"):
        value = headers.get(name)
        if value:
            return value.strip()
    return query.get("key", "").strip()


def parse_key(raw: str) -> PresentedKey:
    """Strip ``sk-`` and split off a ``-<channel id>`` suffix, as new-api does."""
    if not raw:
        raise Unauthorized("未提供令牌 (no API key provided)")
    body = raw[3:] if raw.startswith("sk-") else raw
    key, _, rest = body.partition("-")
    pinned = None
    if rest:
        channel_part = rest.split("-", 1)[0]
        if channel_part.isdigit():
            pinned = int(channel_part)
    return PresentedKey(key=key, pinned_channel=pinned)


def parse_allow_ips(raw: str | None) -> tuple[IpNetwork, ...]:
    """Allowed client IPs/CIDRs, one per line or comma-separated; invalid entries are skipped."""
    if not raw:
        return ()
    networks: list[IpNetwork] = []
    for item in raw.replace(",", "\n").splitlines():
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            continue
    return tuple(networks)


def parse_model_limits(enabled: bool, raw: str) -> frozenset[str] | None:
    """The token's model allow-list, or None when unrestricted."""
    if not enabled:
        return None
    return frozenset(m.strip() for m in raw.split(",") if m.strip())


async def load_entry(session: AsyncSession, key: str) -> TokenEntry | None:
    """Read one token with its owner from the database."""
    row = (
        await session.execute(
            select(Token, User)
            .join(User, User.id == Token.user_id)
            .where(Token.key == key, Token.deleted_at.is_(None), User.deleted_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    token, user = row
    return TokenEntry(
        token_id=token.id,
        token_name=token.name,
        key=token.key,
        user_id=user.id,
        username=user.username,
        user_role=user.role,
        user_status=user.status,
        user_group=user.group or "default",
        status=token.status,
        expired_time=token.expired_time,
        unlimited_quota=token.unlimited_quota,
        model_limits=parse_model_limits(token.model_limits_enabled, token.model_limits or ""),
        allow_ips=parse_allow_ips(token.allow_ips),
        group=token.group or "",
    )


def check_entry(entry: TokenEntry, presented: PresentedKey, client_ip: str) -> ApiCaller:
    """Status, expiry, IP allow-list and pinning rules; raises the client-facing error."""
    if entry.user_status != STATUS_ENABLED:
        raise Forbidden("用户已被封禁 (user is disabled)", code="user_disabled")
    if entry.status == TOKEN_STATUS_EXHAUSTED:
        raise Forbidden("该令牌额度已用尽 (token quota exhausted)", code="token_quota_exhausted")
    if entry.status == TOKEN_STATUS_EXPIRED or (
        entry.expired_time not in (-1, 0) and entry.expired_time < clock.now()
    ):
        raise Unauthorized("该令牌已过期 (token expired)", code="token_expired")
    if entry.status != TOKEN_STATUS_ENABLED:
        raise Unauthorized("该令牌状态不可用 (token disabled)", code="token_disabled")
    if entry.allow_ips:
        try:
            address = ipaddress.ip_address(client_ip)
        except ValueError as exc:
            raise Forbidden("无法识别客户端 IP (client IP unknown)") from exc
        if not any(address in network for network in entry.allow_ips):
            raise Forbidden(f"您的 IP 不在令牌允许访问的列表中 (IP {client_ip} not allowed)")
    if presented.pinned_channel is not None and entry.user_role < ROLE_ADMIN:
        raise Forbidden("普通用户不支持指定渠道 (only admins may pin a channel)")
    group = entry.group or entry.user_group
    return ApiCaller(
        entry=entry, group=group, pinned_channel=presented.pinned_channel, client_ip=client_ip
    )


def check_model(caller: ApiCaller, model: str) -> None:
    """Refuse a model outside the token's allow-list."""
    limits = caller.entry.model_limits
    if limits is not None and model not in limits:
        raise Forbidden(
            f"该令牌无权访问模型 {model} (model not allowed for this token)",
            code="model_not_allowed",
        )


class KeyIndex:
    """key → TokenEntry, filled on demand; dropped per key or per user on change."""

    def __init__(self) -> None:
        self._entries: dict[str, TokenEntry] = {}

    def get(self, key: str) -> TokenEntry | None:
        return self._entries.get(key)

    def put(self, entry: TokenEntry) -> None:
        self._entries[entry.key] = entry

    def forget_key(self, key: str) -> None:
        self._entries.pop(key, None)

    def forget_user(self, user_id: int) -> None:
        for key in [k for k, e in self._entries.items() if e.user_id == user_id]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
