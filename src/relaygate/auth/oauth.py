"""OAuth 2 / OIDC sign-in: a registry of built-in providers plus custom ones.

Built-ins are keyed by :class:`ProviderKind` (ARCHITECTURE §4): each entry knows its option
keys, default endpoints, how to read its user JSON and which ``users`` column binds it. Every
endpoint can be overridden by an option, so tests (and self-hosted GitHub/Discourse) point them
elsewhere. Custom providers are rows of ``custom_oauth_providers`` keyed by slug, bound through
``user_oauth_bindings``. Telegram (HMAC of the widget data) and WeChat (a code server) are
not OAuth and sit at the end.

HTTP goes through the shared aiohttp session of :mod:`relaygate.auth.http`; authlib only
prepares the token request (client authentication, bearer header) and is imported on first
use, so the app does not pay for it at rest. id_tokens are checked with joserfc.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.auth import http
from relaygate.auth.passwords import hash_password_async
from relaygate.db.models.oauth import CustomOAuthProvider, UserOAuthBinding
from relaygate.db.models.two_fa import utcnow
from relaygate.db.models.user import ROLE_COMMON, STATUS_ENABLED, User
from relaygate.errors import ApiRefused
from relaygate.kit import clock, ids
from relaygate.kit.crypto import SecretBox
from relaygate.options.snapshot import OptionsSnapshot

TELEGRAM_MAX_AGE = 86400
"""Telegram's docs: reject widget data whose auth_date is too old (a day here)."""


class ProviderKind(StrEnum):
    GITHUB = "github"
    DISCORD = "discord"
    OIDC = "oidc"
    LINUXDO = "linuxdo"


@dataclass(frozen=True, slots=True)
class OAuthUser:
    """What a provider says about the account."""

    provider_user_id: str
    username: str = ""
    display_name: str = ""
    email: str = ""
    email_verified: bool = False
    legacy_id: str = ""


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where to send the user and where to trade the code."""

    authorization: str
    token: str
    userinfo: str
    jwks: str = ""
    issuer: str = ""


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """One provider, resolved from options (or a custom row) for one call."""

    name: str
    prefix: str
    enabled: bool
    client_id: str
    client_secret: str
    endpoints: Endpoints
    redirect_uri: str
    auth_method: str = "client_secret_post"
    scope: str = ""
    parse_user: Callable[[Mapping[str, Any]], OAuthUser] = field(default=lambda _: OAuthUser(""))
    user_column: str = ""
    """``users`` column for built-ins; empty for custom providers."""
    custom_id: int = 0
    well_known: str = ""
    min_trust_level: int = 0


def _s(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return _s(value).lower() == "true"


def _github_user(data: Mapping[str, Any]) -> OAuthUser:
    email = _s(data.get("email"))
    return OAuthUser(
        provider_user_id=_s(data.get("id")),
        username=_s(data.get("login")),
        display_name=_s(data.get("name")),
        email=email,
        email_verified=bool(email),
        legacy_id=_s(data.get("login")),
    )


def _discord_user(data: Mapping[str, Any]) -> OAuthUser:
    email = _s(data.get("email"))
    return OAuthUser(
        provider_user_id=_s(data.get("id")),
        username=_s(data.get("username")),
        display_name=_s(data.get("global_name")),
        email=email,
        email_verified=bool(email) and _flag(data.get("verified")),
    )


def _oidc_user(data: Mapping[str, Any]) -> OAuthUser:
    email = _s(data.get("email"))
    return OAuthUser(
        provider_user_id=_s(data.get("sub")),
        username=_s(data.get("preferred_username")),
        display_name=_s(data.get("name")),
        email=email,
        email_verified=bool(email) and _flag(data.get("email_verified")),
    )


def _linuxdo_user(data: Mapping[str, Any]) -> OAuthUser:
    return OAuthUser(
        provider_user_id=_s(data.get("id")),
        username=_s(data.get("username")),
        display_name=_s(data.get("name")),
        email=_s(data.get("email")),
    )


@dataclass(frozen=True, slots=True)
class BuiltinSpec:
    """A built-in provider: display name, option keys and defaults."""

    name: str
    prefix: str
    user_column: str
    enabled_key: str
    client_id_key: str
    client_secret_key: str
    default_endpoints: Endpoints
    endpoint_keys: tuple[str, str, str]
    """Options overriding (authorization, token, userinfo)."""
    parse_user: Callable[[Mapping[str, Any]], OAuthUser]
    auth_method: str = "client_secret_post"
    scope: str = ""


REGISTRY: dict[ProviderKind, BuiltinSpec] = {
    ProviderKind.GITHUB: BuiltinSpec(
        name="GitHub",
        prefix="github_",
        user_column="github_id",
        enabled_key="GitHubOAuthEnabled",
        client_id_key="GitHubClientId",
        client_secret_key="GitHubClientSecret",
        default_endpoints=Endpoints(
            "https://github.com/login/oauth/authorize",
            "https://github.com/login/oauth/access_token",
            "https://api.github.com/user",
        ),
        endpoint_keys=(
            "GitHubAuthorizationEndpoint",
            "GitHubTokenEndpoint",
            "GitHubUserInfoEndpoint",
        ),
        parse_user=_github_user,
        scope="user:email",
    ),
    ProviderKind.DISCORD: BuiltinSpec(
        name="Discord",
        prefix="discord_",
        user_column="discord_id",
        enabled_key="discord.enabled",
        client_id_key="discord.client_id",
        client_secret_key="discord.client_secret",
        default_endpoints=Endpoints(
            "https://discord.com/oauth2/authorize",
            "https://discord.com/api/v10/oauth2/token",
            "https://discord.com/api/v10/users/@me",
        ),
        endpoint_keys=(
            "discord.authorization_endpoint",
            "discord.token_endpoint",
            "discord.user_info_endpoint",
        ),
        parse_user=_discord_user,
        scope="identify email",
    ),
    ProviderKind.OIDC: BuiltinSpec(
        name="OIDC",
        prefix="oidc_",
        user_column="oidc_id",
        enabled_key="oidc.enabled",
        client_id_key="oidc.client_id",
        client_secret_key="oidc.client_secret",
        default_endpoints=Endpoints("", "", ""),
        endpoint_keys=(
            "oidc.authorization_endpoint",
            "oidc.token_endpoint",
            "oidc.user_info_endpoint",
        ),
        parse_user=_oidc_user,
        scope="openid profile email",
    ),
    ProviderKind.LINUXDO: BuiltinSpec(
        name="LinuxDO",
        prefix="linuxdo_",
        user_column="linux_do_id",
        enabled_key="LinuxDOOAuthEnabled",
        client_id_key="LinuxDOClientId",
        client_secret_key="LinuxDOClientSecret",
        default_endpoints=Endpoints(
            "https://connect.linux.do/oauth2/authorize",
            "https://connect.linux.do/oauth2/token",
            "https://connect.linux.do/api/user",
        ),
        endpoint_keys=(
            "LinuxDOAuthorizationEndpoint",
            "LinuxDOTokenEndpoint",
            "LinuxDOUserEndpoint",
        ),
        parse_user=_linuxdo_user,
        auth_method="client_secret_basic",
    ),
}

BUILTIN_COLUMNS: dict[str, str] = {
    "github": "github_id",
    "discord": "discord_id",
    "oidc": "oidc_id",
    "linuxdo": "linux_do_id",
    "wechat": "wechat_id",
    "telegram": "telegram_id",
    "email": "email",
}
"""new-api's binding_type → ``users`` column (admin clear-binding route)."""


def _redirect_uri(options: OptionsSnapshot, path: str) -> str:
    return f"{options.get('ServerAddress', '').rstrip('/')}/oauth/{path}"


def builtin_config(kind: ProviderKind, options: OptionsSnapshot) -> ProviderConfig:
    """A built-in provider's settings from options."""
    spec = REGISTRY[kind]
    auth_key, token_key, info_key = spec.endpoint_keys
    defaults = spec.default_endpoints
    endpoints = Endpoints(
        options.get(auth_key, "").strip() or defaults.authorization,
        options.get(token_key, "").strip() or defaults.token,
        options.get(info_key, "").strip() or defaults.userinfo,
    )
    trust = options.get("LinuxDOMinimumTrustLevel", "0") if kind is ProviderKind.LINUXDO else "0"
    return ProviderConfig(
        name=spec.name,
        prefix=spec.prefix,
        enabled=_flag(options.get(spec.enabled_key, "false")),
        client_id=options.get(spec.client_id_key, ""),
        client_secret=options.get(spec.client_secret_key, ""),
        endpoints=endpoints,
        redirect_uri=_redirect_uri(options, kind.value),
        auth_method=spec.auth_method,
        scope=spec.scope,
        parse_user=spec.parse_user,
        user_column=spec.user_column,
        well_known=options.get("oidc.well_known", "").strip() if kind is ProviderKind.OIDC else "",
        min_trust_level=int(trust) if trust.strip().lstrip("-").isdigit() else 0,
    )


def _path_value(data: Any, path: str) -> Any:
    """A dotted-path lookup (``data.user.id``), the subset of gjson custom providers use."""
    current = data
    for part in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def custom_config(
    row: CustomOAuthProvider, box: SecretBox, options: OptionsSnapshot
) -> ProviderConfig:
    """A custom provider row as a ProviderConfig."""

    def parse(data: Mapping[str, Any]) -> OAuthUser:
        email = _s(_path_value(data, row.email_field or "email"))
        return OAuthUser(
            provider_user_id=_s(_path_value(data, row.user_id_field or "sub")),
            username=_s(_path_value(data, row.username_field or "preferred_username")),
            display_name=_s(_path_value(data, row.display_name_field or "name")),
            email=email,
            email_verified=bool(email) and _flag(data.get("email_verified")),
        )

    return ProviderConfig(
        name=row.name,
        prefix=f"{row.slug}_",
        enabled=row.enabled,
        client_id=row.client_id,
        client_secret=box.decrypt(row.client_secret),
        endpoints=Endpoints(row.authorization_endpoint, row.token_endpoint, row.user_info_endpoint),
        redirect_uri=_redirect_uri(options, row.slug),
        auth_method="client_secret_basic" if row.auth_style == 2 else "client_secret_post",
        scope=row.scopes,
        parse_user=parse,
        custom_id=row.id,
        well_known=row.well_known,
    )


async def resolve(
    session: AsyncSession, name: str, box: SecretBox, options: OptionsSnapshot
) -> ProviderConfig | None:
    """The provider called ``name``: a built-in kind, else a custom slug."""
    try:
        return builtin_config(ProviderKind(name), options)
    except ValueError:
        pass
    row = (
        await session.execute(select(CustomOAuthProvider).where(CustomOAuthProvider.slug == name))
    ).scalar_one_or_none()
    return custom_config(row, box, options) if row is not None else None


# ----------------------------------------------------------------------------- HTTP


async def fetch_discovery(url: str) -> dict[str, Any]:
    """An OIDC discovery document."""
    try:
        response = await http.request("GET", url, headers={"Accept": "application/json"})
    except http.HttpError as exc:
        raise ApiRefused(f"获取 OIDC 配置失败: {exc}") from exc
    if response.status != 200:
        raise ApiRefused(f"获取 OIDC 配置失败: HTTP {response.status}")
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise ApiRefused("获取 OIDC 配置失败: 格式错误")
    return document


async def with_discovery(config: ProviderConfig) -> ProviderConfig:
    """Fill endpoints (and the JWKS and issuer) from the well-known document when set."""
    if not config.well_known:
        return config
    doc = await fetch_discovery(config.well_known)
    endpoints = Endpoints(
        config.endpoints.authorization or _s(doc.get("authorization_endpoint")),
        config.endpoints.token or _s(doc.get("token_endpoint")),
        config.endpoints.userinfo or _s(doc.get("userinfo_endpoint")),
        jwks=_s(doc.get("jwks_uri")),
        issuer=_s(doc.get("issuer")),
    )
    return ProviderConfig(**{**_fields(config), "endpoints": endpoints})


def _fields(config: ProviderConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in ProviderConfig.__dataclass_fields__}


async def _verify_id_token(config: ProviderConfig, id_token: str) -> dict[str, Any]:
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        response = await http.request("GET", config.endpoints.jwks)
    except http.HttpError as exc:
        raise ApiRefused(f"{config.name} id_token 校验失败: {exc}") from exc
    try:
        keys = KeySet.import_key_set(response.json())
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256"])
        required: dict[str, Any] = {
            "aud": {"essential": True, "value": config.client_id},
            "sub": {"essential": True},
        }
        if config.endpoints.issuer:
            required["iss"] = {"essential": True, "value": config.endpoints.issuer}
        registry = jwt.JWTClaimsRegistry(**required)
        registry.validate(token.claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise ApiRefused(f"{config.name} id_token 校验失败: {exc}") from exc
    return dict(token.claims)


def _token_error(response: http.Answer) -> tuple[dict[str, Any] | None, str]:
    """The token endpoint's JSON object, or why there is none (authlib's rules)."""
    if response.status >= 500:
        return None, f"HTTP {response.status}"
    try:
        token = response.json()
    except ValueError:
        token = None
    if not isinstance(token, dict):
        return None, f"HTTP {response.status}"
    if "error" in token:
        return None, f"{token['error']}: {token.get('error_description')}"
    return token, ""


async def fetch_token(config: ProviderConfig, code: str) -> dict[str, Any]:
    """POST the authorization code to the token endpoint; the token response as a dict.

    authlib builds the form (``grant_type``, ``redirect_uri``, ``code``) and the client
    authentication (``client_secret_post`` in the body, ``client_secret_basic`` as a header).
    """
    from authlib.oauth2.auth import ClientAuth
    from authlib.oauth2.rfc6749.parameters import prepare_token_request

    body: str = prepare_token_request(
        "authorization_code", code=code, redirect_uri=config.redirect_uri
    )
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    auth = ClientAuth(config.client_id, config.client_secret, config.auth_method)
    url, headers, body = auth.prepare("POST", config.endpoints.token, headers, body)
    try:
        response = await http.request("POST", url, headers=headers, data=body.encode())
    except http.HttpError as exc:
        raise ApiRefused(f"{config.name} 获取令牌失败: {exc}") from exc
    token, error = _token_error(response)
    if token is None:
        raise ApiRefused(f"{config.name} 获取令牌失败: {error}")
    if not token.get("access_token"):
        raise ApiRefused(f"{config.name} 获取令牌失败")
    return token


async def fetch_userinfo(config: ProviderConfig, token: dict[str, Any]) -> dict[str, Any]:
    """GET the userinfo endpoint with the access token (bearer header, via authlib)."""
    from authlib.oauth2.auth import TokenAuth

    try:
        url, headers, _ = TokenAuth(token).prepare(config.endpoints.userinfo, {}, "")
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ApiRefused(f"{config.name} 获取令牌失败: 不支持的令牌 {exc}") from exc
    try:
        response = await http.request("GET", url, headers=headers)
    except http.HttpError as exc:
        raise ApiRefused(f"无法连接至 {config.name} 服务器: {exc}") from exc
    if response.status != 200:
        raise ApiRefused(f"{config.name} 获取用户信息失败: HTTP {response.status}")
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ApiRefused(f"{config.name} 获取用户信息失败")
    return data


async def exchange(config: ProviderConfig, code: str) -> OAuthUser:
    """Trade the code for a token, read the user, verify an OIDC id_token when one comes."""
    if not code:
        raise ApiRefused("无效的授权码")
    config = await with_discovery(config)
    if not config.endpoints.token or not config.endpoints.userinfo:
        raise ApiRefused(f"{config.name} 未配置完整的端点")
    token = await fetch_token(config, code)
    data = await fetch_userinfo(config, token)
    id_token = token.get("id_token")
    if id_token and config.endpoints.jwks:
        claims = await _verify_id_token(config, str(id_token))
        if _s(claims.get("sub")) != _s(data.get("sub")):
            raise ApiRefused(f"{config.name} id_token 与用户信息不一致")
    user = config.parse_user(data)
    if not user.provider_user_id:
        raise ApiRefused(f"{config.name} 返回的用户信息为空")
    if config.min_trust_level and int(data.get("trust_level") or 0) < config.min_trust_level:
        raise ApiRefused("您的信任等级不足，无法使用该登录方式")
    return user


# ----------------------------------------------------------------------------- accounts


async def find_bound(
    session: AsyncSession, config: ProviderConfig, provider_user_id: str
) -> User | None:
    """The user already bound to this provider account (deleted ones included)."""
    if config.custom_id:
        stmt = (
            select(User)
            .join(UserOAuthBinding, UserOAuthBinding.user_id == User.id)
            .where(
                UserOAuthBinding.provider_id == config.custom_id,
                UserOAuthBinding.provider_user_id == provider_user_id,
            )
        )
    else:
        stmt = select(User).where(getattr(User, config.user_column) == provider_user_id)
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def _bind(
    session: AsyncSession, config: ProviderConfig, user: User, provider_user_id: str
) -> None:
    if config.custom_id:
        existing = (
            await session.execute(
                select(UserOAuthBinding).where(
                    UserOAuthBinding.user_id == user.id,
                    UserOAuthBinding.provider_id == config.custom_id,
                )
            )
        ).scalar_one_or_none()
        if existing is not None:
            existing.provider_user_id = provider_user_id
        else:
            session.add(
                UserOAuthBinding(
                    user_id=user.id,
                    provider_id=config.custom_id,
                    provider_user_id=provider_user_id,
                    created_at=utcnow(),
                )
            )
    else:
        setattr(user, config.user_column, provider_user_id)
    await session.flush()


async def _username_taken(session: AsyncSession, username: str) -> bool:
    stmt = select(User.id).where(User.username == username).limit(1)
    return (await session.execute(stmt)).first() is not None


async def register(
    session: AsyncSession,
    options: OptionsSnapshot,
    prefix: str,
    fallback_display: str,
    username: str = "",
    display_name: str = "",
    email: str = "",
) -> User:
    """Create an account for a first-time OAuth login (new-api's findOrCreateOAuthUser)."""
    if not _flag(options.get("RegisterEnabled", "true")):
        raise ApiRefused("管理员关闭了新用户注册")
    max_id = (await session.execute(select(func.max(User.id)))).scalar_one_or_none() or 0
    name = f"{prefix}{max_id + 1}"
    if username and len(username) <= 20 and not await _username_taken(session, username):
        name = username
    quota_text = options.get("QuotaForNewUser", "0").strip()
    user = User(
        username=name,
        password=await hash_password_async(ids.random_string(32)),
        display_name=(display_name or username or fallback_display)[:64],
        role=ROLE_COMMON,
        status=STATUS_ENABLED,
        email=email[:128],
        quota=int(quota_text) if quota_text.isdigit() else 0,
        group="default",
        created_at=clock.now(),
    )
    session.add(user)
    await session.flush()
    return user


async def login_or_register(
    session: AsyncSession, options: OptionsSnapshot, config: ProviderConfig, who: OAuthUser
) -> tuple[User, bool]:
    """The bound user (migrating a GitHub login-name binding), or a new one; and is-new."""
    user = await find_bound(session, config, who.provider_user_id)
    if user is None and who.legacy_id:
        user = await find_bound(session, config, who.legacy_id)
        if user is not None:
            await _bind(session, config, user, who.provider_user_id)
    if user is not None:
        if user.deleted_at is not None:
            raise ApiRefused("用户已注销")
        return user, False
    user = await register(
        session,
        options,
        config.prefix,
        f"{config.name} User",
        who.username,
        who.display_name,
        who.email,
    )
    await _bind(session, config, user, who.provider_user_id)
    return user, True


async def bind(session: AsyncSession, config: ProviderConfig, user_id: int, who: OAuthUser) -> None:
    """Bind the provider account to a logged-in user, unless someone has it already."""
    for candidate in filter(None, (who.provider_user_id, who.legacy_id)):
        if await find_bound(session, config, candidate) is not None:
            raise ApiRefused(f"该 {config.name} 账户已被绑定")
    user = await session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise ApiRefused("用户已注销")
    await _bind(session, config, user, who.provider_user_id)


async def bindings(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    """The user's custom-provider bindings with provider names (new-api's response shape)."""
    stmt = (
        select(UserOAuthBinding, CustomOAuthProvider)
        .join(CustomOAuthProvider, CustomOAuthProvider.id == UserOAuthBinding.provider_id)
        .where(UserOAuthBinding.user_id == user_id)
        .order_by(UserOAuthBinding.id)
    )
    return [
        {
            "provider_id": provider.id,
            "provider_name": provider.name,
            "provider_slug": provider.slug,
            "provider_icon": provider.icon,
            "provider_user_id": binding.provider_user_id,
        }
        for binding, provider in (await session.execute(stmt)).all()
    ]


async def unbind_custom(session: AsyncSession, user_id: int, provider_id: int) -> None:
    """Drop one custom-provider binding."""
    row = (
        await session.execute(
            select(UserOAuthBinding).where(
                UserOAuthBinding.user_id == user_id, UserOAuthBinding.provider_id == provider_id
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise ApiRefused("绑定不存在")
    await session.delete(row)


# ----------------------------------------------------------------------------- Telegram, WeChat


def telegram_check(params: Mapping[str, str], bot_token: str, now: int | None = None) -> bool:
    """Telegram login widget data: HMAC-SHA256 with key SHA256(bot token), and not stale."""
    received = params.get("hash", "")
    if not received or not bot_token:
        return False
    check_string = "\n".join(f"{k}={params[k]}" for k in sorted(params) if k != "hash")
    secret = hashlib.sha256(bot_token.encode()).digest()
    expected = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received.lower()):
        return False
    auth_date = params.get("auth_date", "")
    if auth_date.isdigit():
        age = (clock.now() if now is None else now) - int(auth_date)
        return age <= TELEGRAM_MAX_AGE
    return True


async def wechat_id(options: OptionsSnapshot, code: str) -> str:
    """Ask the WeChat code server who scanned (new-api's getWeChatIdByCode)."""
    if not code:
        raise ApiRefused("无效的参数")
    address = options.get("WeChatServerAddress", "").rstrip("/")
    try:
        response = await http.request(
            "GET",
            f"{address}/api/wechat/user",
            params={"code": code},
            headers={"Authorization": options.get("WeChatServerToken", "")},
        )
        body = response.json()
    except (http.HttpError, ValueError) as exc:
        raise ApiRefused(f"无法连接微信服务器: {exc}") from exc
    if not isinstance(body, dict) or not body.get("success"):
        raise ApiRefused(_s(body.get("message") if isinstance(body, dict) else "") or "验证失败")
    data = _s(body.get("data"))
    if not data:
        raise ApiRefused("验证码错误或已过期")
    return data
