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
from relaygate.db.models.user import STATUS_ENABLED as USER_STATUS_ENABLED
from relaygate.db.models.user import User
from relaygate.errors import ApiRefused, Forbidden, Unauthorized
from relaygate.kit import clock, ids
from relaygate.misc.paging import PageQuery
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.tokens import repository
from relaygate.tokens.repository import TokenSearch
from relaygate.tokens.schemas import (
    TokenCreate,
    TokenFields,
    TokenPage,
    TokenPublic,
    TokenStats,
    TokenUpdate,
    TokenUsage,
)

NAME_MAX = 50
KEY_PREFIX = "sk-"
AUTO_GROUP = "auto"
MAX_TOKENS_OPTION = "token_setting.max_user_tokens"
DEFAULT_MAX_TOKENS = 1000
BATCH_KEYS_MAX = 100
SEARCH_HARD_LIMIT = 100
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
    """Groups a user may put on a token: the UserUsableGroups keys plus their own group,
    and ``auto`` when one of the AutoGroups is among them (the relay then picks a group)."""
    configured = options.json_value("UserUsableGroups")
    groups = set(configured) if isinstance(configured, dict) else set()
    groups.add(user_group or "default")
    auto = options.json_value("AutoGroups")
    if isinstance(auto, list) and any(isinstance(g, str) and g in groups for g in auto):
        groups.add(AUTO_GROUP)
    return groups


def max_tokens_per_user(options: OptionsSnapshot) -> int:
    """new-api's ``token_setting.max_user_tokens`` (default 1000)."""
    try:
        value = int(options.get(MAX_TOKENS_OPTION, str(DEFAULT_MAX_TOKENS)))
    except ValueError:
        return DEFAULT_MAX_TOKENS
    return value if value > 0 else DEFAULT_MAX_TOKENS


def like_pattern(raw: str) -> str:
    """new-api's ``sanitizeLikePattern``: exact match unless ``%`` is used (at most two,
    never adjacent, with at least two other characters); ``!`` escapes ``_`` and ``!``."""
    escaped = raw.replace("!", "!!").replace("_", "!_")
    if "%%" in escaped:
        raise ApiRefused("搜索模式中不允许包含连续的 % 通配符")
    wildcards = escaped.count("%")
    if wildcards > 2:
        raise ApiRefused("搜索模式中最多允许包含 2 个 % 通配符")
    if wildcards and len(escaped.replace("%", "")) < 2:
        raise ApiRefused("使用模糊搜索时，关键词长度至少为 2 个字符")
    return escaped


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


def _apply(token: Token, fields: TokenFields, *, preserve_model_access: bool = False) -> None:
    token.name = fields.name
    token.expired_time = fields.expired_time
    token.remain_quota = fields.remain_quota
    token.unlimited_quota = fields.unlimited_quota
    token.allow_ips = normalize_allow_ips(fields.allow_ips)
    if preserve_model_access:
        return
    token.model_limits_enabled = fields.model_limits_enabled
    token.model_limits = normalize_model_limits(fields.model_limits)
    token.group = fields.group.strip()
    token.cross_group_retry = fields.cross_group_retry


async def _own(session: AsyncSession, user_id: int, token_id: int) -> Token:
    token = await repository.get_owned(session, token_id, user_id)
    if token is None:
        # Same answer for "absent" and "someone else's": ids of other users' tokens never leak.
        raise ApiRefused("令牌不存在")
    return token


async def stats(session: AsyncSession, user_id: int, now: int) -> TokenStats:
    """Account-wide counts by effective status."""
    total, enabled, expired, exhausted = await repository.status_counts(session, user_id, now)
    return TokenStats(
        total=total,
        enabled=enabled,
        disabled=total - enabled - expired - exhausted,
        expired=expired,
        exhausted=exhausted,
    )


async def list_tokens(
    session: AsyncSession,
    user_id: int,
    page: PageQuery,
    *,
    group: str = "",
) -> TokenPage:
    """A page of the caller's tokens, masked, with account-wide stats."""
    now = clock.now()
    rows, total = await repository.list_page(
        session,
        user_id,
        TokenSearch(group=group),
        offset=page.offset,
        limit=page.page_size,
        now=now,
    )
    return TokenPage(
        page=page.page,
        page_size=page.page_size,
        total=total,
        items=[public(row, now=now) for row in rows],
        stats=await stats(session, user_id, now),
    )


async def search_tokens(
    session: AsyncSession,
    user_id: int,
    page: PageQuery,
    options: OptionsSnapshot,
    *,
    keyword: str = "",
    key: str = "",
    group: str = "",
    status: int = 0,
) -> TokenPage:
    """new-api's ``SearchUserTokens``: exact name/key match unless ``%`` is used; a user
    over the per-user maximum may only search exactly (fuzzy search would scan too much)."""
    if key.startswith(KEY_PREFIX):
        key = key[len(KEY_PREFIX) :]
    limit = max_tokens_per_user(options)
    fuzzy = "%" in keyword or "%" in key
    if fuzzy and await repository.count_owned(session, user_id) > limit:
        raise ApiRefused("令牌数量超过上限，仅允许精确搜索，请勿使用 % 通配符")
    search = TokenSearch(
        name_pattern=like_pattern(keyword) if keyword else "",
        key_pattern=like_pattern(key) if key else "",
        group=group,
        status=status,
    )
    now = clock.now()
    rows, total = await repository.list_page(
        session,
        user_id,
        search,
        offset=page.offset,
        limit=min(page.page_size, SEARCH_HARD_LIMIT),
        now=now,
        count_limit=limit,
    )
    return TokenPage(
        page=page.page,
        page_size=page.page_size,
        total=total,
        items=[public(row, now=now) for row in rows],
        stats=await stats(session, user_id, now),
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
    """Issue a new 48-character key for the caller, within the per-user maximum."""
    _validate(body, options, user_group)
    limit = max_tokens_per_user(options)
    if await repository.count_owned(session, user_id, lock_user=True) >= limit:
        raise ApiRefused(f"已达到最大令牌数量限制 ({limit})")
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
        _apply(token, body, preserve_model_access=body.preserve_model_access)
    return token


async def delete(session: AsyncSession, user_id: int, token_id: int) -> str:
    """Delete one of the caller's tokens; return its key for the cache."""
    token = await _own(session, user_id, token_id)
    await repository.delete_owned(session, token)
    return token.key


async def delete_many(session: AsyncSession, user_id: int, token_ids: list[int]) -> list[str]:
    """Delete those of ``token_ids`` the caller owns; return their keys for the cache."""
    if not token_ids:
        raise ApiRefused("无效的参数")
    tokens = await repository.owned_many(session, user_id, token_ids)
    await repository.delete_many_owned(session, user_id, [token.id for token in tokens])
    return [token.key for token in tokens]


async def keys_of(session: AsyncSession, user_id: int, token_ids: list[int]) -> dict[int, str]:
    """Full keys of those of ``token_ids`` the caller owns (at most 100 ids)."""
    if not token_ids:
        raise ApiRefused("无效的参数")
    if len(token_ids) > BATCH_KEYS_MAX:
        raise ApiRefused(f"批量请求数量过多，最多 {BATCH_KEYS_MAX} 条")
    tokens = await repository.owned_many(session, user_id, token_ids)
    return {token.id: token.key for token in tokens}


def presented_key(authorization: str) -> str:
    """The token key in an ``Authorization`` header (new-api ``TokenAuthReadOnly``): Bearer
    and ``sk-`` stripped, and a ``-<channel>`` pin suffix ignored."""
    raw = authorization.strip()
    if not raw:
        raise Unauthorized("未提供令牌")
    if raw[:7].lower() == "bearer ":
        raw = raw[7:].strip()
    if raw.startswith(KEY_PREFIX):
        raw = raw[len(KEY_PREFIX) :]
    return raw.split("-")[0]


async def presenting_token(session: AsyncSession, authorization: str) -> Token:
    """The token whose key the caller presents; its owner must not be banned.

    Read-only routes accept disabled, expired or exhausted tokens so their owners can see why.
    """
    token = await repository.get_by_key(session, presented_key(authorization))
    if token is None:
        raise Unauthorized("无效的令牌")
    owner = await session.get(User, token.user_id)
    if owner is None or owner.deleted_at is not None:
        raise Unauthorized("无效的令牌")
    if owner.status != USER_STATUS_ENABLED:
        raise Forbidden("用户已被封禁")
    return token


def usage(token: Token) -> TokenUsage:
    """``GET /api/usage/token/``: granted = remaining + used; ``expires_at`` 0 for never."""
    limits = normalize_model_limits(token.model_limits or "")
    return TokenUsage(
        name=token.name,
        total_granted=token.remain_quota + token.used_quota,
        total_used=token.used_quota,
        total_available=token.remain_quota,
        unlimited_quota=token.unlimited_quota,
        model_limits={name: True for name in limits.split(",") if name},
        model_limits_enabled=token.model_limits_enabled,
        expires_at=0 if token.expired_time == -1 else token.expired_time,
    )
