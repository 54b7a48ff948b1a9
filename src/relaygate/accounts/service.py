"""Self-service account rules (new-api controller/user.go, misc.go, checkin.go, group.go).

Registration honours RegisterEnabled, PasswordRegisterEnabled, EmailVerificationEnabled and
the email domain whitelist; new users get QuotaForNewUser, invitees QuotaForInvitee, and
inviters QuotaForInviter as affiliate quota. Services never commit; routers own the unit of work.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.accounts import repository
from relaygate.accounts.schemas import (
    CheckinRecord,
    CheckinStats,
    CheckinStatus,
    GroupPublic,
    RegisterRequest,
    SettingUpdate,
)
from relaygate.accounts.verification import (
    EMAIL_VERIFICATION,
    PASSWORD_RESET,
    VALID_MINUTES,
    CodeStore,
)
from relaygate.auth.deps import Caller
from relaygate.auth.passwords import hash_password_async
from relaygate.db.models.checkin import Checkin
from relaygate.db.models.log import LOG_TYPE_SYSTEM, Log
from relaygate.db.models.user import ROLE_ADMIN, ROLE_COMMON, ROLE_ROOT, STATUS_ENABLED, User
from relaygate.errors import ApiRefused
from relaygate.kit import clock, ids, jsonx, mailer
from relaygate.logs import repository as logs_repository
from relaygate.logs.service import quota_text
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.tokens import repository as tokens_repository
from relaygate.users import repository as users_repository
from relaygate.users.schemas import PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX

log = logging.getLogger(__name__)

DEFAULT_GROUP = "default"
AFF_CODE_LENGTH = 4
VERIFICATION_CODE_LENGTH = 6
RESET_PASSWORD_LENGTH = 12
NOTIFY_TYPES = frozenset({"email", "webhook", "bark", "gotify"})
DOMAIN_WHITELIST_MESSAGE = (
    "The administrator has enabled the email domain name whitelist, and your email address is "
    "not allowed due to special symbols or it's not in the whitelist."
)
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(slots=True)
class AccountChange:
    """Users (and token keys) whose cached state a write made stale."""

    user_ids: list[int] = field(default_factory=list)
    token_keys: list[str] = field(default_factory=list)


def _flag(options: OptionsSnapshot, key: str) -> bool:
    return options.get(key) == "true"


def _int_option(options: OptionsSnapshot, key: str, default: int = 0) -> int:
    try:
        return int(float(options.get(key, str(default)) or default))
    except ValueError:
        return default


def valid_email(email: str) -> bool:
    """A plain ``local@domain.tld`` address of sane length."""
    return len(email) <= 254 and _EMAIL.match(email) is not None


def _check_domain(options: OptionsSnapshot, email: str) -> None:
    if not _flag(options, "EmailDomainRestrictionEnabled"):
        return
    domain = email.rsplit("@", 1)[-1].strip().lower() if valid_email(email) else ""
    allowed = {
        part.strip().lower() for part in options.get("EmailDomainWhitelist").split(",") if part
    }
    if not domain or domain not in allowed:
        raise ApiRefused(DOMAIN_WHITELIST_MESSAGE)


def _system_log(user_id: int, username: str, content: str) -> Log:
    return Log(user_id=user_id, username=username, type=LOG_TYPE_SYSTEM, content=content)


async def _new_aff_code(session: AsyncSession) -> str:
    for _ in range(10):
        code = ids.random_string(AFF_CODE_LENGTH)
        if not await repository.aff_code_taken(session, code):
            return code
    raise ApiRefused("生成邀请码失败，请重试")


# ---------------------------------------------------------------------------------- register


def _validate_registration(body: RegisterRequest) -> None:
    username = body.username.strip()
    if not username or len(username) > USERNAME_MAX:
        raise ApiRefused(f"输入不合法 用户名长度需为 1 到 {USERNAME_MAX} 个字符")
    if not PASSWORD_MIN <= len(body.password) <= PASSWORD_MAX:
        raise ApiRefused(f"输入不合法 密码长度需为 {PASSWORD_MIN} 到 {PASSWORD_MAX} 个字符")
    if len(body.email.strip()) > 50:
        raise ApiRefused("输入不合法 邮箱地址过长")


async def register(
    session: AsyncSession, body: RegisterRequest, options: OptionsSnapshot, codes: CodeStore
) -> AccountChange:
    """Create a common user; the email is kept only when it was verified by code."""
    if not _flag(options, "RegisterEnabled"):
        raise ApiRefused("管理员关闭了新用户注册")
    if not _flag(options, "PasswordRegisterEnabled"):
        raise ApiRefused("管理员关闭了通过密码进行注册，请使用第三方账户验证的形式进行注册")
    _validate_registration(body)
    username = body.username.strip()
    email = ""
    if _flag(options, "EmailVerificationEnabled"):
        email = body.email.strip()
        if not email or not body.verification_code:
            raise ApiRefused("管理员开启了邮箱验证，请输入邮箱地址和验证码")
        _check_domain(options, email)
        if not await codes.check(EMAIL_VERIFICATION, email, body.verification_code.strip()):
            raise ApiRefused("验证码错误或已过期")
    if await repository.identity_taken(session, username, email):
        raise ApiRefused("用户名已存在，或已注销")
    inviter = await repository.inviter_id(session, body.aff_code.strip()) if body.aff_code else 0
    new_user_quota = _int_option(options, "QuotaForNewUser")
    invitee_quota = _int_option(options, "QuotaForInvitee") if inviter else 0
    user = User(
        username=username,
        password=await hash_password_async(body.password),
        display_name=username,
        role=ROLE_COMMON,
        status=STATUS_ENABLED,
        email=email,
        group=DEFAULT_GROUP,
        quota=new_user_quota + invitee_quota,
        aff_code=await _new_aff_code(session),
        inviter_id=inviter,
    )
    await users_repository.add(session, user)
    change = AccountChange(user_ids=[user.id])
    if new_user_quota > 0:
        text = f"新用户注册赠送 {quota_text(new_user_quota, options)}"
        await logs_repository.add(session, _system_log(user.id, username, text))
    if inviter:
        if invitee_quota > 0:
            text = f"使用邀请码赠送 {quota_text(invitee_quota, options)}"
            await logs_repository.add(session, _system_log(user.id, username, text))
        inviter_reward = _int_option(options, "QuotaForInviter")
        await repository.credit_inviter(session, inviter, max(0, inviter_reward))
        if inviter_reward > 0:
            owner = await users_repository.get(session, inviter)
            text = f"邀请用户赠送 {quota_text(inviter_reward, options)}"
            await logs_repository.add(
                session, _system_log(inviter, owner.username if owner else "", text)
            )
        change.user_ids.append(inviter)
    if email:
        await codes.delete(EMAIL_VERIFICATION, email)
    return change


# ------------------------------------------------------------------------------ email codes


async def send_verification_code(
    session: AsyncSession, email: str, options: OptionsSnapshot, codes: CodeStore
) -> None:
    """Mail a 6-character code for registration (``GET /api/verification``)."""
    email = email.strip()
    if not valid_email(email):
        raise ApiRefused("请输入有效的邮箱地址")
    _check_domain(options, email)
    local = email.rsplit("@", 1)[0]
    if _flag(options, "EmailAliasRestrictionEnabled") and ("+" in local or "." in local):
        raise ApiRefused("管理员已启用邮箱地址别名限制，您的邮箱地址由于包含特殊符号而被拒绝。")
    if await repository.email_taken(session, email):
        raise ApiRefused("邮箱地址已被占用")
    code = secrets.token_hex(VERIFICATION_CODE_LENGTH)[:VERIFICATION_CODE_LENGTH]
    await codes.put(EMAIL_VERIFICATION, email, code)
    system = options.get("SystemName")
    html = (
        f"<p>您好，你正在进行{escape(system)}邮箱验证。</p>"
        f"<p>您的验证码为: <strong>{code}</strong></p>"
        f"<p>验证码 {VALID_MINUTES} 分钟内有效，如果不是本人操作，请忽略。</p>"
    )
    try:
        await mailer.send(
            mailer.SmtpConfig.from_options(options),
            to=email,
            subject=f"{system}邮箱验证邮件",
            html=html,
        )
    except mailer.MailError as exc:
        await codes.delete(EMAIL_VERIFICATION, email)
        raise ApiRefused(str(exc)) from None


async def send_password_reset(
    session: AsyncSession, email: str, options: OptionsSnapshot, codes: CodeStore
) -> None:
    """Mail a reset link if an account uses ``email``; silent either way (no enumeration)."""
    email = email.strip()
    if not valid_email(email):
        raise ApiRefused("请输入有效的邮箱地址")
    if not await repository.ids_by_email(session, email):  # closed accounts get no link
        return
    token = secrets.token_hex(16)
    await codes.put(PASSWORD_RESET, email, token)
    system = options.get("SystemName")
    link = escape(
        f"{options.get('ServerAddress').rstrip('/')}/user/reset?"
        + urlencode({"email": email, "token": token})
    )
    html = (
        f"<p>您好，你正在进行{escape(system)}密码重置。</p>"
        f"<p>点击 <a href='{link}'>此处</a> 进行密码重置。</p>"
        f"<p>如果链接无法点击，请尝试点击下面的链接或将其复制到浏览器中打开：<br> {link} </p>"
        f"<p>重置链接 {VALID_MINUTES} 分钟内有效，如果不是本人操作，请忽略。</p>"
    )
    try:
        await mailer.send(
            mailer.SmtpConfig.from_options(options),
            to=email,
            subject=f"{system}密码重置",
            html=html,
        )
    except mailer.MailError as exc:
        log.error("password reset mail to %s failed: %s", email, exc)


async def reset_password(
    session: AsyncSession, email: str, token: str, codes: CodeStore
) -> tuple[str, AccountChange]:
    """Check the reset token and give the account a fresh random password (returned once)."""
    email, token = email.strip(), token.strip()
    if not email or not token:
        raise ApiRefused("无效的参数")
    if not await codes.check(PASSWORD_RESET, email, token):
        raise ApiRefused("重置链接非法或已过期")
    password = secrets.token_hex(RESET_PASSWORD_LENGTH // 2)
    await repository.set_password_by_email(session, email, await hash_password_async(password))
    await codes.delete(PASSWORD_RESET, email)
    return password, AccountChange(user_ids=await repository.ids_by_email(session, email))


# ---------------------------------------------------------------------------------- check-in


def _checkin_range(options: OptionsSnapshot) -> tuple[bool, int, int]:
    enabled = _flag(options, "checkin_setting.enabled")
    low = max(0, _int_option(options, "checkin_setting.min_quota", 1000))
    high = max(low, _int_option(options, "checkin_setting.max_quota", 10000))
    return enabled, low, high


def _today() -> str:
    return time.strftime("%Y-%m-%d")


async def checkin_status(
    session: AsyncSession, user_id: int, month: str, options: OptionsSnapshot
) -> CheckinStatus:
    """The month's check-ins (``YYYY-MM``, default this month) and all-time totals."""
    enabled, low, high = _checkin_range(options)
    if not enabled:
        raise ApiRefused("签到功能未启用")
    month = month.strip() or time.strftime("%Y-%m")
    if not _MONTH.match(month):
        raise ApiRefused("无效的参数")
    rows = await repository.checkins_between(session, user_id, f"{month}-01", f"{month}-31")
    total_checkins, total_quota = await repository.checkin_totals(session, user_id)
    return CheckinStatus(
        enabled=enabled,
        min_quota=low,
        max_quota=high,
        stats=CheckinStats(
            total_quota=total_quota,
            total_checkins=total_checkins,
            checkin_count=len(rows),
            checked_in_today=await repository.checked_in(session, user_id, _today()),
            records=[
                CheckinRecord(checkin_date=r.checkin_date, quota_awarded=r.quota_awarded)
                for r in rows
            ],
        ),
    )


async def checkin(session: AsyncSession, caller: Caller, options: OptionsSnapshot) -> CheckinRecord:
    """Today's check-in: a random reward in [min_quota, max_quota], once per day."""
    enabled, low, high = _checkin_range(options)
    if not enabled:
        raise ApiRefused("签到功能未启用")
    day = _today()
    if await repository.checked_in(session, caller.id, day):
        raise ApiRefused("今日已签到")
    reward = low + secrets.randbelow(high - low + 1)
    row = Checkin(user_id=caller.id, checkin_date=day, quota_awarded=reward, created_at=clock.now())
    try:
        await repository.add_checkin(session, row)
    except IntegrityError:
        raise ApiRefused("签到失败，请稍后重试") from None  # a concurrent check-in won
    await users_repository.add_quota(session, caller.id, reward)
    text = f"用户签到，获得额度 {quota_text(reward, options)}"
    await logs_repository.add(session, _system_log(caller.id, caller.username, text))
    return CheckinRecord(checkin_date=day, quota_awarded=reward)


# --------------------------------------------------------------------------------- affiliate


async def aff_code(session: AsyncSession, user_id: int) -> str:
    """The caller's affiliate code, issued on first request."""
    user = await users_repository.get(session, user_id)
    if user is None:
        raise ApiRefused("用户不存在")
    if not user.aff_code:
        user.aff_code = await _new_aff_code(session)
        await session.flush()
    return user.aff_code


async def transfer_aff_quota(
    session: AsyncSession, user_id: int, quota: int, options: OptionsSnapshot
) -> None:
    """Move affiliate quota into the wallet; at least one unit (QuotaPerUnit) at a time."""
    per_unit = _int_option(options, "QuotaPerUnit", 500000)
    if quota < per_unit:
        raise ApiRefused(f"划转失败 转移额度最小为{quota_text(per_unit, options)}！")
    if not await repository.transfer_aff_quota(session, user_id, quota):
        raise ApiRefused("划转失败 邀请额度不足！")


# ---------------------------------------------------------------------------------- settings


def _http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _validate_setting(body: SettingUpdate) -> None:
    if body.notify_type not in NOTIFY_TYPES:
        raise ApiRefused("无效的预警类型")
    if body.quota_warning_threshold <= 0:
        raise ApiRefused("预警阈值必须大于0")
    if body.notify_type == "webhook":
        if not body.webhook_url:
            raise ApiRefused("Webhook地址不能为空")
        if not _http_url(body.webhook_url):
            raise ApiRefused("无效的Webhook地址")
    email = body.notification_email.strip()
    if body.notify_type == "email" and email and not valid_email(email):
        raise ApiRefused("无效的邮箱地址")
    if body.notify_type == "bark":
        if not body.bark_url:
            raise ApiRefused("Bark推送URL不能为空")
        if not _http_url(body.bark_url):
            raise ApiRefused("无效的Bark推送URL")
    if body.notify_type == "gotify":
        if not body.gotify_url:
            raise ApiRefused("Gotify服务器地址不能为空")
        if not body.gotify_token:
            raise ApiRefused("Gotify令牌不能为空")
        if not _http_url(body.gotify_url):
            raise ApiRefused("无效的Gotify服务器地址")


def _parse_setting(raw: str) -> dict[str, Any]:
    try:
        parsed = jsonx.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


async def update_setting(session: AsyncSession, caller: Caller, body: SettingUpdate) -> None:
    """Merge the notification settings into ``users.setting`` (JSON, new-api keys)."""
    _validate_setting(body)
    user = await users_repository.get(session, caller.id)
    if user is None:
        raise ApiRefused("用户不存在")
    setting = _parse_setting(user.setting)
    setting.update(
        notify_type=body.notify_type,
        quota_warning_threshold=body.quota_warning_threshold,
        accept_unset_model_ratio_model=body.accept_unset_model_ratio_model,
        record_ip_log=body.record_ip_log,
    )
    if user.role >= ROLE_ADMIN and body.upstream_model_update_notify_enabled is not None:
        setting["upstream_model_update_notify_enabled"] = body.upstream_model_update_notify_enabled
    if body.notify_type == "webhook":
        setting["webhook_url"] = body.webhook_url
        if body.webhook_secret:
            setting["webhook_secret"] = body.webhook_secret
    elif body.notify_type == "email" and body.notification_email:
        setting["notification_email"] = body.notification_email.strip()
    elif body.notify_type == "bark":
        setting["bark_url"] = body.bark_url
    elif body.notify_type == "gotify":
        setting["gotify_url"] = body.gotify_url
        setting["gotify_token"] = body.gotify_token
        priority = body.gotify_priority
        setting["gotify_priority"] = priority if 0 <= priority <= 10 else 5
    user.setting = jsonx.dumps_str(setting)


# ------------------------------------------------------------------------------------ groups


def _group_group_ratio(options: OptionsSnapshot, user_group: str, group: str) -> float | None:
    table = options.json_value("GroupGroupRatio")
    if not isinstance(table, dict):
        return None
    row = table.get(user_group)
    value = row.get(group) if isinstance(row, dict) else None
    return float(value) if isinstance(value, int | float) else None


def usable_groups(options: OptionsSnapshot, user_group: str) -> dict[str, GroupPublic]:
    """Groups in GroupRatio the user may use, with the ratio that applies to them."""
    configured = options.json_value("UserUsableGroups")
    usable = {str(k): str(v) for k, v in configured.items()} if isinstance(configured, dict) else {}
    if user_group and user_group not in usable:
        usable[user_group] = "用户分组"
    groups: dict[str, GroupPublic] = {}
    for name, ratio in options.group_ratio.items():
        if name in usable:
            special = _group_group_ratio(options, user_group, name) if user_group else None
            groups[name] = GroupPublic(
                ratio=ratio if special is None else special, desc=usable[name]
            )
    if "auto" in usable:
        groups["auto"] = GroupPublic(ratio="自动", desc=usable["auto"])
    return groups


async def user_group(session: AsyncSession, user_id: int) -> str:
    """The caller's current group (read fresh: an admin may have just moved them)."""
    user = await users_repository.get(session, user_id)
    return user.group if user else ""


# ------------------------------------------------------------------------------- delete self


async def delete_self(session: AsyncSession, caller: Caller) -> AccountChange:
    """Soft-delete the caller's account (never root); their keys stop working."""
    user = await users_repository.get(session, caller.id)
    if user is None:
        raise ApiRefused("用户不存在")
    if user.role == ROLE_ROOT:
        raise ApiRefused("不能删除超级管理员账户")
    keys = await tokens_repository.keys_for_user(session, user.id)
    await users_repository.soft_delete(session, user.id)
    return AccountChange(user_ids=[user.id], token_keys=keys)
