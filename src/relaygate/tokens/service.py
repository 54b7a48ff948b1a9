"""Token rules: validation, key generation and masking, effective status (new-api semantics)."""

from __future__ import annotations

import ipaddress

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.token import (
    TOKEN_STATUS_DISABLED,
    TOKEN_STATUS_ENABLED,
    TOKEN_STATUS_EXHAUSTED,
    TOKEN_STATUS_EXPIRED,
    Token,
)
from relaygate.errors import ApiRefused
from relaygate.kit import clock, ids
from relaygate.kit.envelope import Page
from relaygate.misc.paging import PageQuery
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.tokens import repository
from relaygate.tokens.schemas import TokenCreate, TokenFields, TokenPublic, TokenUpdate

NAME_MAX = 50
KEY_PREFIX = "sk-"
_KEY_ATTEMPTS = 3


def mask_key(key: str) -> str:
    """new-api's ``MaskTokenKey``: first 4 + ten stars + last 4 for normal keys."""
    if not key:
        return ""
    if len(key) <= 4:
        return "*" * len(key)
    if len(key) <= 8:
        return key[:2] + "****" + key[-2:]
    return key[:4] + "**********" + key[-4:]


def effective_status(token: Token, now: int) -> int:
    """The status a client would meet now: stored status, then expiry, then exhaustion."""
    exhausted_but_unlimited = token.status == TOKEN_STATUS_EXHAUSTED and token.unlimited_quota
    if token.status == TOKEN_STATUS_EXHAUSTED and not token.unlimited_quota:
        return TOKEN_STATUS_EXHAUSTED
    if token.status == TOKEN_STATUS_EXPIRED:
        return TOKEN_STATUS_EXPIRED
    if token.status != TOKEN_STATUS_ENABLED and not exhausted_but_unlimited:
        return TOKEN_STATUS_DISABLED
    if token.expired_time != -1 and token.expired_time < now:
        return TOKEN_STATUS_EXPIRED
    if not token.unlimited_quota and token.remain_quota <= 0:
        return TOKEN_STATUS_EXHAUSTED
    return TOKEN_STATUS_ENABLED


def public(token: Token, *, now: int | None = None) -> TokenPublic:
    """The token as lists show it: masked key, effective status."""
    view = TokenPublic.model_validate(token)
    view.key = mask_key(token.key)
    view.status = effective_status(token, clock.now() if now is None else now)
    return view


def _max_quota(options: OptionsSnapshot) -> int:
    try:
        per_unit = float(options.get("QuotaPerUnit", "500000"))
    except ValueError:
        per_unit = 500000.0
    return int(1_000_000_000 * per_unit)


def usable_groups(options: OptionsSnapshot, user_group: str) -> set[str]:
    """Groups a user may put on a token: the UserUsableGroups keys plus their own group."""
    configured = options.json_value("UserUsableGroups")
    groups = set(configured) if isinstance(configured, dict) else set()
    groups.add(user_group or "default")
    return groups


def _validate(fields: TokenFields, options: OptionsSnapshot, user_group: str) -> None:
    group = fields.group.strip()
    # The relay bills and routes by the token's group, so a user must not pick one freely.
    if group and group not in usable_groups(options, user_group):
        raise ApiRefused(f"无权使用分组 {group}")
    if len(fields.name) > NAME_MAX:
        raise ApiRefused("令牌名称过长")
    if not fields.unlimited_quota:
        if fields.remain_quota < 0:
            raise ApiRefused("额度值不能为负数")
        limit = _max_quota(options)
        if fields.remain_quota > limit:
            raise ApiRefused(f"额度值超出有效范围，最大值为 {limit}")
    if fields.expired_time < -1:
        raise ApiRefused("过期时间无效")


def normalize_allow_ips(raw: str | None) -> str:
    """One IP or CIDR per line; commas are accepted as separators. Refuses malformed entries."""
    if not raw:
        return ""
    entries = [part.strip() for part in raw.replace(",", "\n").splitlines()]
    entries = [entry for entry in entries if entry]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ApiRefused(f"IP 白名单格式错误: {entry}") from None
    return "\n".join(entries)


def normalize_model_limits(raw: str) -> str:
    """A clean comma list without blanks or duplicates, order kept."""
    seen: dict[str, None] = {}
    for part in raw.split(","):
        name = part.strip()
        if name:
            seen.setdefault(name, None)
    return ",".join(seen)


def _apply(token: Token, fields: TokenFields) -> None:
    token.name = fields.name
    token.expired_time = fields.expired_time
    token.remain_quota = fields.remain_quota
    token.unlimited_quota = fields.unlimited_quota
    token.model_limits_enabled = fields.model_limits_enabled
    token.model_limits = normalize_model_limits(fields.model_limits)
    token.allow_ips = normalize_allow_ips(fields.allow_ips)
    token.group = fields.group.strip()
    token.cross_group_retry = fields.cross_group_retry


async def _own(session: AsyncSession, user_id: int, token_id: int) -> Token:
    token = await repository.get_owned(session, token_id, user_id)
    if token is None:
        # Same answer for "absent" and "someone else's": ids of other users' tokens never leak.
        raise ApiRefused("令牌不存在")
    return token


async def list_tokens(
    session: AsyncSession,
    user_id: int,
    page: PageQuery,
    *,
    keyword: str = "",
    key: str = "",
    group: str = "",
) -> Page[TokenPublic]:
    """A page of the caller's tokens, masked."""
    if key.startswith(KEY_PREFIX):
        key = key[len(KEY_PREFIX) :]
    rows, total = await repository.list_page(
        session,
        user_id,
        offset=page.offset,
        limit=page.page_size,
        keyword=keyword,
        key=key,
        group=group,
    )
    now = clock.now()
    return Page[TokenPublic](
        page=page.page,
        page_size=page.page_size,
        total=total,
        items=[public(row, now=now) for row in rows],
    )


async def get(session: AsyncSession, user_id: int, token_id: int) -> Token:
    """One of the caller's tokens."""
    return await _own(session, user_id, token_id)


async def create(
    session: AsyncSession,
    user_id: int,
    body: TokenCreate,
    options: OptionsSnapshot,
    *,
    user_group: str,
) -> Token:
    """Issue a new 48-character key for the caller."""
    _validate(body, options, user_group)
    for _ in range(_KEY_ATTEMPTS):
        key = ids.new_token_key()
        if not await repository.key_taken(session, key):
            break
    else:  # pragma: no cover - 62^48 keys; only a broken RNG gets here
        raise ApiRefused("生成令牌失败")
    now = clock.now()
    token = Token(
        user_id=user_id,
        key=key,
        status=TOKEN_STATUS_ENABLED,
        created_time=now,
        accessed_time=now,
        used_quota=0,
    )
    _apply(token, body)
    return await repository.add(session, token)


async def update(
    session: AsyncSession,
    user_id: int,
    body: TokenUpdate,
    options: OptionsSnapshot,
    *,
    status_only: bool,
    user_group: str,
) -> Token:
    """Edit one of the caller's tokens (or only its status)."""
    if not status_only:
        _validate(body, options, user_group)
    token = await _own(session, user_id, body.id)
    now = clock.now()
    if body.status not in (0, TOKEN_STATUS_ENABLED, TOKEN_STATUS_DISABLED):
        raise ApiRefused("无效的参数")
    if body.status == TOKEN_STATUS_ENABLED:
        # Judge by the values that hold after this update, so a user can extend an expired
        # token and re-enable it in one call, as the console does.
        expired_time = token.expired_time if status_only else body.expired_time
        remain = token.remain_quota if status_only else body.remain_quota
        unlimited = token.unlimited_quota if status_only else body.unlimited_quota
        if token.status == TOKEN_STATUS_EXPIRED and expired_time != -1 and expired_time <= now:
            raise ApiRefused("令牌已过期，无法启用，请先修改令牌过期时间，或者设置为永不过期")
        if token.status == TOKEN_STATUS_EXHAUSTED and not unlimited and remain <= 0:
            raise ApiRefused(
                "令牌可用额度已用尽，无法启用，请先修改令牌剩余额度，或者设置为无限额度"
            )
    if body.status:
        token.status = body.status
    if not status_only:
        _apply(token, body)
    return token


async def delete(session: AsyncSession, user_id: int, token_id: int) -> str:
    """Delete one of the caller's tokens; return its key for the cache."""
    token = await _own(session, user_id, token_id)
    await repository.delete_owned(session, token)
    return token.key
