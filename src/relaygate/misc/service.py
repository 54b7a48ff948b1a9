"""System status, as new-api's ``GetStatus`` reports it, and one-time setup of the root account."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.errors import ApiRefused
from relaygate.misc.schemas import SetupPublic, SetupRequest
from relaygate.options import service as options_service
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.users import repository as users_repository
from relaygate.users import service as users_service

VERSION = "0.1.0"
SETUP_USERNAME_MAX = 12
SETUP_PASSWORD_MIN = 8
_DIALECT_NAMES = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql"}


def _flag(options: OptionsSnapshot, key: str) -> bool:
    return options.get(key, "false") == "true"


def _number(options: OptionsSnapshot, key: str, default: float) -> float:
    try:
        return float(options.get(key, ""))
    except ValueError:
        return default


def status(options: OptionsSnapshot, *, setup: bool, started_at: int) -> dict[str, Any]:
    """The public status document the console reads before login."""
    display_type = options.get("QuotaDisplayType", "USD")
    return {
        "version": VERSION,
        "start_time": started_at,
        "setup": setup,
        "system_name": options.get("SystemName"),
        "logo": options.get("Logo"),
        "footer_html": options.get("Footer"),
        "server_address": options.get("ServerAddress"),
        "top_up_link": options.get("TopUpLink"),
        "chat_link": options.get("ChatLink"),
        "quota_per_unit": _number(options, "QuotaPerUnit", 500000.0),
        "display_in_currency": display_type != "TOKENS"
        and _flag(options, "DisplayInCurrencyEnabled"),
        "quota_display_type": display_type,
        "usd_exchange_rate": _number(options, "USDExchangeRate", 7.3),
        "price": _number(options, "Price", 7.3),
        "register_enabled": _flag(options, "RegisterEnabled"),
        "password_login_enabled": _flag(options, "PasswordLoginEnabled"),
        "password_register_enabled": _flag(options, "PasswordRegisterEnabled"),
        "email_verification": _flag(options, "EmailVerificationEnabled"),
        "github_oauth": _flag(options, "GitHubOAuthEnabled"),
        "github_client_id": options.get("GitHubClientId"),
        "discord_oauth": False,
        "linuxdo_oauth": False,
        "telegram_oauth": False,
        "wechat_login": False,
        "oidc_enabled": False,
        "passkey_login": False,
        "turnstile_check": _flag(options, "TurnstileCheckEnabled"),
        "turnstile_site_key": options.get("TurnstileSiteKey"),
        "self_use_mode_enabled": _flag(options, "SelfUseModeEnabled"),
        "demo_site_enabled": _flag(options, "DemoSiteEnabled"),
        "enable_data_export": _flag(options, "DataExportEnabled"),
        "data_export_default_time": options.get("DataExportDefaultTime", "hour"),
        "default_collapse_sidebar": _flag(options, "DefaultCollapseSidebar"),
        "mj_notify_enabled": _flag(options, "MjNotifyEnabled"),
        "enable_batch_update": False,
        "enable_drawing": False,
        "enable_task": False,
        "default_use_auto_group": False,
        "chats": [],
    }


def database_type(dialect: str) -> str:
    """new-api's ``database_type`` name for a SQLAlchemy dialect."""
    return _DIALECT_NAMES.get(dialect, dialect)


async def setup_state(session: AsyncSession, dialect: str) -> SetupPublic:
    """Initialised once a root user exists; before that, report the database in use."""
    if await users_repository.root_exists(session):
        return SetupPublic(status=True)
    return SetupPublic(status=False, root_init=False, database_type=database_type(dialect))


async def setup(session: AsyncSession, body: SetupRequest) -> int:
    """Create the root user and store the operating modes; refused once a root exists."""
    if await users_repository.root_exists(session):
        raise ApiRefused("系统已经初始化完成")
    username = body.username.strip()
    if not username:
        raise ApiRefused("请求参数有误")
    if len(username) > SETUP_USERNAME_MAX:
        raise ApiRefused(f"用户名长度不能超过{SETUP_USERNAME_MAX}个字符")
    if body.password != body.confirm_password:
        raise ApiRefused("两次输入的密码不一致")
    if len(body.password) < SETUP_PASSWORD_MIN:
        raise ApiRefused(f"密码长度至少为{SETUP_PASSWORD_MIN}个字符")
    if await users_repository.username_taken(session, username):
        raise ApiRefused("用户名已存在")
    root = await users_service.create_root(session, username, body.password)
    await options_service.store_flags(
        session,
        {
            "SelfUseModeEnabled": body.self_use_mode_enabled,
            "DemoSiteEnabled": body.demo_site_enabled,
        },
    )
    return root.id
