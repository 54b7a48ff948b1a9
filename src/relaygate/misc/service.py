"""System status, as new-api's ``GetStatus`` reports it, legal texts, and one-time setup of the
root account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.oauth import CustomOAuthProvider
from relaygate.errors import ApiRefused
from relaygate.logs.service import quota_display_type
from relaygate.misc.schemas import SetupPublic, SetupRequest
from relaygate.options import service as options_service
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.users import repository as users_repository
from relaygate.users import service as users_service

VERSION = "0.1.0"
SETUP_USERNAME_MAX = 12
SETUP_PASSWORD_MIN = 8
_DIALECT_NAMES = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql"}


def _flag(options: OptionsSnapshot, key: str, default: bool = False) -> bool:
    value = options.get(key, "").strip().lower()
    if not value:
        return default
    return value == "true"


def _number(options: OptionsSnapshot, key: str, default: float) -> float:
    try:
        return float(options.get(key, ""))
    except ValueError:
        return default


def _json(options: OptionsSnapshot, key: str, default: Any) -> Any:
    value = options.json_value(key)
    return value if isinstance(value, type(default)) else default


@dataclass(frozen=True, slots=True)
class CustomProvider:
    """An enabled custom OAuth provider, as the login page needs it."""

    id: int
    name: str
    slug: str
    icon: str
    client_id: str
    authorization_endpoint: str
    scopes: str


def status(
    options: OptionsSnapshot,
    *,
    setup: bool,
    started_at: int,
    custom_providers: Sequence[CustomProvider] = (),
) -> dict[str, Any]:
    """The public status document the console reads before login (new-api GetStatus).

    Only public values appear: client ids and site keys, never secrets.
    """
    display_type = quota_display_type(options)
    per_unit = _number(options, "QuotaPerUnit", 500000.0)
    inviter_quota = _number(options, "QuotaForInviter", 0.0)
    data: dict[str, Any] = {
        "version": VERSION,
        "start_time": started_at,
        "setup": setup,
        "system_name": options.get("SystemName"),
        "logo": options.get("Logo"),
        "footer_html": options.get("Footer"),
        "server_address": options.get("ServerAddress"),
        "top_up_link": options.get("TopUpLink"),
        "chat_link": options.get("ChatLink"),
        "docs_link": options.get("general_setting.docs_link"),
        "theme": options.get("theme.frontend", "default") or "default",
        "quota_per_unit": per_unit,
        "display_in_currency": display_type != "TOKENS",
        "quota_display_type": display_type,
        "custom_currency_symbol": options.get("general_setting.custom_currency_symbol", "¤"),
        "custom_currency_exchange_rate": _number(
            options, "general_setting.custom_currency_exchange_rate", 1.0
        ),
        "usd_exchange_rate": _number(options, "USDExchangeRate", 7.3),
        "price": _number(options, "Price", 7.3),
        "stripe_unit_price": _number(options, "StripeUnitPrice", 8.0),
        "inviter_reward_usd": inviter_quota / per_unit if per_unit > 0 else 0,
        "register_enabled": _flag(options, "RegisterEnabled"),
        "password_login_enabled": _flag(options, "PasswordLoginEnabled"),
        "password_register_enabled": _flag(options, "PasswordRegisterEnabled"),
        "email_verification": _flag(options, "EmailVerificationEnabled"),
        "github_oauth": _flag(options, "GitHubOAuthEnabled"),
        "github_client_id": options.get("GitHubClientId"),
        "discord_oauth": _flag(options, "discord.enabled"),
        "discord_client_id": options.get("discord.client_id"),
        "linuxdo_oauth": _flag(options, "LinuxDOOAuthEnabled"),
        "linuxdo_client_id": options.get("LinuxDOClientId"),
        "linuxdo_minimum_trust_level": int(_number(options, "LinuxDOMinimumTrustLevel", 0)),
        "telegram_oauth": _flag(options, "TelegramOAuthEnabled"),
        "telegram_bot_name": options.get("TelegramBotName"),
        "wechat_login": _flag(options, "WeChatAuthEnabled"),
        "wechat_qrcode": options.get("WeChatAccountQRCodeImageURL"),
        "oidc_enabled": _flag(options, "oidc.enabled"),
        "oidc_client_id": options.get("oidc.client_id"),
        "oidc_authorization_endpoint": options.get("oidc.authorization_endpoint"),
        "google_oauth": _flag(options, "google.enabled"),
        "google_client_id": options.get("google.client_id"),
        "passkey_login": _flag(options, "passkey.enabled"),
        "passkey_display_name": options.get("passkey.rp_display_name") or options.get("SystemName"),
        "passkey_rp_id": options.get("passkey.rp_id"),
        "passkey_origins": options.get("passkey.origins"),
        "passkey_allow_insecure": _flag(options, "passkey.allow_insecure_origin"),
        "passkey_user_verification": options.get("passkey.user_verification", "preferred")
        or "preferred",
        "passkey_attachment": options.get("passkey.attachment_preference"),
        "turnstile_check": _flag(options, "TurnstileCheckEnabled"),
        "turnstile_site_key": options.get("TurnstileSiteKey"),
        "self_use_mode_enabled": _flag(options, "SelfUseModeEnabled"),
        "demo_site_enabled": _flag(options, "DemoSiteEnabled"),
        "enable_data_export": _flag(options, "DataExportEnabled"),
        "data_export_default_time": options.get("DataExportDefaultTime", "hour"),
        "default_collapse_sidebar": _flag(options, "DefaultCollapseSidebar"),
        "mj_notify_enabled": _flag(options, "MjNotifyEnabled"),
        "enable_batch_update": _flag(options, "BatchUpdateEnabled"),
        "enable_drawing": _flag(options, "DrawingEnabled"),
        "enable_task": _flag(options, "TaskEnabled"),
        "default_use_auto_group": _flag(options, "DefaultUseAutoGroup"),
        "enable_stripe_card_bind": False,
        "chats": _json(options, "Chats", []),
        "api_info_enabled": _flag(options, "console_setting.api_info_enabled", True),
        "uptime_kuma_enabled": _flag(options, "console_setting.uptime_kuma_enabled", True),
        "announcements_enabled": _flag(options, "console_setting.announcements_enabled", True),
        "faq_enabled": _flag(options, "console_setting.faq_enabled", True),
        "HeaderNavModules": options.get("HeaderNavModules"),
        "SidebarModulesAdmin": options.get("SidebarModulesAdmin"),
        "user_agreement_enabled": bool(options.get("legal.user_agreement").strip()),
        "privacy_policy_enabled": bool(options.get("legal.privacy_policy").strip()),
        "auth_notice_enabled": _flag(options, "legal.auth_notice_enabled"),
        "checkin_enabled": _flag(options, "checkin_setting.enabled"),
    }
    for key, option in (
        ("api_info", "console_setting.api_info"),
        ("announcements", "console_setting.announcements"),
        ("faq", "console_setting.faq"),
    ):
        if data[f"{key}_enabled"]:
            data[key] = _json(options, option, [])
    if custom_providers:
        data["custom_oauth_providers"] = [asdict(provider) for provider in custom_providers]
    return data


async def enabled_custom_providers(session: AsyncSession) -> list[CustomProvider]:
    """Enabled custom OAuth providers (public fields only)."""
    rows = await session.execute(
        select(CustomOAuthProvider)
        .where(CustomOAuthProvider.enabled.is_(True))
        .order_by(CustomOAuthProvider.id)
    )
    return [
        CustomProvider(
            id=row.id,
            name=row.name,
            slug=row.slug,
            icon=row.icon,
            client_id=row.client_id,
            authorization_endpoint=row.authorization_endpoint,
            scopes=row.scopes,
        )
        for row in rows.scalars()
    ]


def legal_text(options: OptionsSnapshot, key: str) -> str:
    """``legal.user_agreement`` / ``legal.privacy_policy`` (markdown or HTML, maybe empty)."""
    return options.get(f"legal.{key}")


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
