"""/api/oauth/*, OAuth bindings and /api/custom-oauth-provider (new-api oauth.go, github.go,
discord.go, linuxdo.go, oidc.go, custom_oauth.go, telegram.go, wechat.go).

The specific /api/oauth routes are declared before ``/api/oauth/{provider}``.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlalchemy import select

from relaygate.accounts.router import Codes
from relaygate.accounts.verification import EMAIL_VERIFICATION
from relaygate.auth import oauth
from relaygate.auth.deps import AdminCaller, RootCaller, RuntimeDep, UserCaller
from relaygate.auth.routes.common import session_user_id, start_session
from relaygate.db.models.oauth import CustomOAuthProvider, UserOAuthBinding
from relaygate.db.models.two_fa import utcnow
from relaygate.db.models.user import STATUS_ENABLED, User
from relaygate.errors import ApiRefused, Forbidden
from relaygate.kit.envelope import Envelope
from relaygate.runtime import TOPIC_USERS
from relaygate.users.service import can_manage

router = APIRouter(tags=["oauth"])

SESSION_OAUTH_STATE = "oauth_state"
_STATE_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _logged_in(request: Request) -> bool:
    return request.session.get("username") is not None and session_user_id(request) is not None


@router.get("/api/oauth/state")
async def oauth_state(request: Request, aff: str = "") -> Envelope[Any]:
    """A one-shot CSRF state for the provider's redirect, kept in the session."""
    state = "".join(secrets.choice(_STATE_ALPHABET) for _ in range(12))
    if aff:
        request.session["aff"] = aff
    request.session[SESSION_OAUTH_STATE] = state
    return Envelope.ok(state)


# ----------------------------------------------------------------------------- email


class EmailBind(BaseModel):
    email: str = ""
    code: str = ""


async def _email_bind(
    request: Request, runtime: RuntimeDep, codes: Codes, body: EmailBind
) -> Envelope[Any]:
    user_id = session_user_id(request)
    if user_id is None:
        raise ApiRefused("未登录")
    email = body.email.strip()
    if not email or not body.code or not await codes.check(EMAIL_VERIFICATION, email, body.code):
        raise ApiRefused("验证码错误或已过期")
    async with runtime.database.unit_of_work() as session:
        taken = await session.execute(
            select(User.id).where(User.email == email, User.id != user_id).limit(1)
        )
        if taken.first() is not None:
            raise ApiRefused("该邮箱已被其他账户绑定")
        user = await session.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise ApiRefused("用户已注销")
        user.email = email
    await codes.delete(EMAIL_VERIFICATION, email)
    await runtime.changed(TOPIC_USERS, str(user_id))
    return Envelope.ok(message="邮箱账户绑定成功")


@router.post("/api/oauth/email/bind")
async def email_bind(
    body: EmailBind, request: Request, runtime: RuntimeDep, codes: Codes
) -> Envelope[Any]:
    """Bind a mailbox proven by a code from GET /api/verification (``{email, code}``)."""
    return await _email_bind(request, runtime, codes, body)


@router.get("/api/oauth/email/bind")
async def email_bind_get(
    request: Request, runtime: RuntimeDep, codes: Codes, email: str = "", code: str = ""
) -> Envelope[Any]:
    """Older clients send ``?email=&code=``."""
    return await _email_bind(request, runtime, codes, EmailBind(email=email, code=code))


# ----------------------------------------------------------------------------- WeChat


class WeChatBind(BaseModel):
    code: str = ""


@router.get("/api/oauth/wechat")
async def wechat_login(request: Request, runtime: RuntimeDep, code: str = "") -> Envelope[Any]:
    """Log in (or sign up) with a code from the WeChat code server."""
    options = runtime.options.current
    if options.get("WeChatAuthEnabled", "false") != "true":
        raise ApiRefused("管理员未开启通过微信登录以及注册")
    wechat_id = await oauth.wechat_id(options, code)
    async with runtime.database.unit_of_work() as session:
        user = (
            await session.execute(select(User).where(User.wechat_id == wechat_id).limit(1))
        ).scalar_one_or_none()
        is_new = user is None
        if user is None:
            user = await oauth.register(session, options, "wechat_", "WeChat User")
            user.wechat_id = wechat_id
        elif user.deleted_at is not None:
            raise ApiRefused("用户已注销")
    if user.status != STATUS_ENABLED:
        raise ApiRefused("用户已被封禁")
    return Envelope.ok(start_session(request, user, is_new_user=is_new))


async def _wechat_bind(request: Request, runtime: RuntimeDep, code: str) -> Envelope[Any]:
    options = runtime.options.current
    if options.get("WeChatAuthEnabled", "false") != "true":
        raise ApiRefused("管理员未开启通过微信登录以及注册")
    user_id = session_user_id(request)
    if user_id is None:
        raise ApiRefused("未登录")
    wechat_id = await oauth.wechat_id(options, code)
    async with runtime.database.unit_of_work() as session:
        taken = await session.execute(select(User.id).where(User.wechat_id == wechat_id).limit(1))
        if taken.first() is not None:
            raise ApiRefused("该微信账号已被绑定")
        user = await session.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise ApiRefused("用户已注销")
        user.wechat_id = wechat_id
    await runtime.changed(TOPIC_USERS, str(user_id))
    return Envelope.ok()


@router.post("/api/oauth/wechat/bind")
async def wechat_bind(body: WeChatBind, request: Request, runtime: RuntimeDep) -> Envelope[Any]:
    """Bind WeChat to the logged-in user (``{code}``)."""
    return await _wechat_bind(request, runtime, body.code)


@router.get("/api/oauth/wechat/bind")
async def wechat_bind_get(request: Request, runtime: RuntimeDep, code: str = "") -> Envelope[Any]:
    """Older clients send the code as a query parameter."""
    return await _wechat_bind(request, runtime, code)


# ----------------------------------------------------------------------------- Telegram


def _telegram_params(request: Request, runtime: RuntimeDep) -> dict[str, str]:
    options = runtime.options.current
    if options.get("TelegramOAuthEnabled", "false") != "true":
        raise ApiRefused("管理员未开启通过 Telegram 登录以及注册")
    params = dict(request.query_params)
    if not oauth.telegram_check(params, options.get("TelegramBotToken", "")) or not params.get(
        "id"
    ):
        raise ApiRefused("无效的请求")
    return params


@router.get("/api/oauth/telegram/login")
async def telegram_login(request: Request, runtime: RuntimeDep) -> Envelope[Any]:
    """Log in the user bound to this Telegram account (widget data in the query)."""
    params = _telegram_params(request, runtime)
    async with runtime.database.reader() as session:
        user = (
            await session.execute(
                select(User).where(User.telegram_id == params["id"], User.deleted_at.is_(None))
            )
        ).scalar_one_or_none()
    if user is None:
        raise ApiRefused("该 Telegram 账户未绑定")
    if user.status != STATUS_ENABLED:
        raise ApiRefused("用户已被封禁")
    return Envelope.ok(start_session(request, user))


@router.get("/api/oauth/telegram/bind", response_model=None)
async def telegram_bind(request: Request, runtime: RuntimeDep) -> RedirectResponse:
    """Bind Telegram to the logged-in user, then back to the profile page (as new-api)."""
    params = _telegram_params(request, runtime)
    user_id = session_user_id(request)
    if user_id is None:
        raise ApiRefused("未登录")
    async with runtime.database.unit_of_work() as session:
        taken = await session.execute(
            select(User.id).where(User.telegram_id == params["id"]).limit(1)
        )
        if taken.first() is not None:
            raise ApiRefused("该 Telegram 账户已被绑定")
        user = await session.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise ApiRefused("用户已注销")
        user.telegram_id = params["id"]
    await runtime.changed(TOPIC_USERS, str(user_id))
    return RedirectResponse("/console/personal", status_code=302)


# ----------------------------------------------------------------------------- OAuth 2 / OIDC


@router.get("/api/oauth/{provider}")
async def oauth_callback(
    provider: str,
    request: Request,
    runtime: RuntimeDep,
    code: str = "",
    state: str = "",
    error: str = "",
    error_description: str = "",
) -> Envelope[Any]:
    """The provider redirected back: check state, then bind (logged in) or log in/sign up."""
    options = runtime.options.current
    async with runtime.database.reader() as session:
        config = await oauth.resolve(session, provider, runtime.secrets, options)
    if config is None:
        raise ApiRefused("未知的 OAuth 提供商", status_code=400)
    expected = request.session.get(SESSION_OAUTH_STATE)
    if not state or not isinstance(expected, str) or not secrets.compare_digest(state, expected):
        raise Forbidden("state is empty or not same")
    if not config.enabled:
        raise ApiRefused(f"管理员未开启通过 {config.name} 登录以及注册")
    if error:
        raise ApiRefused(error_description or error)
    who = await oauth.exchange(config, code)
    request.session.pop(SESSION_OAUTH_STATE, None)
    if _logged_in(request):
        user_id = session_user_id(request)
        assert user_id is not None
        async with runtime.database.unit_of_work() as session:
            await oauth.bind(session, config, user_id, who)
        await runtime.changed(TOPIC_USERS, str(user_id))
        return Envelope.ok({"action": "bind"}, message="绑定成功")
    async with runtime.database.unit_of_work() as session:
        user, is_new = await oauth.login_or_register(session, options, config, who)
    if user.status != STATUS_ENABLED:
        raise ApiRefused("用户已被封禁")
    request.session.pop("aff", None)
    return Envelope.ok(start_session(request, user, is_new_user=is_new))


# ----------------------------------------------------------------------------- bindings


@router.get("/api/user/oauth/bindings")
async def own_bindings(runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """The caller's custom-provider bindings."""
    async with runtime.database.reader() as session:
        return Envelope.ok(await oauth.bindings(session, caller.id))


@router.delete("/api/user/oauth/bindings/{provider_id}")
async def unbind_own(provider_id: int, runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """Drop one of the caller's custom-provider bindings."""
    async with runtime.database.unit_of_work() as session:
        await oauth.unbind_custom(session, caller.id, provider_id)
    return Envelope.ok(message="解绑成功")


async def _managed(runtime: RuntimeDep, caller_role: int, user_id: int) -> None:
    async with runtime.database.reader() as session:
        target = await session.get(User, user_id)
    if target is None:
        raise ApiRefused("用户不存在")
    if not can_manage(caller_role, target.role):
        raise ApiRefused("无权操作同级或更高级用户")


@router.get("/api/user/{user_id}/oauth/bindings")
async def user_bindings(user_id: int, runtime: RuntimeDep, caller: AdminCaller) -> Envelope[Any]:
    """A user's custom-provider bindings (admin)."""
    await _managed(runtime, caller.role, user_id)
    async with runtime.database.reader() as session:
        return Envelope.ok(await oauth.bindings(session, user_id))


@router.delete("/api/user/{user_id}/oauth/bindings/{provider_id}")
async def unbind_user(
    user_id: int, provider_id: int, runtime: RuntimeDep, caller: AdminCaller
) -> Envelope[Any]:
    """Drop a user's custom-provider binding (admin)."""
    await _managed(runtime, caller.role, user_id)
    async with runtime.database.unit_of_work() as session:
        await oauth.unbind_custom(session, user_id, provider_id)
    return Envelope.ok(message="解绑成功")


@router.delete("/api/user/{user_id}/bindings/{binding_type}")
async def clear_binding(
    user_id: int, binding_type: str, runtime: RuntimeDep, caller: AdminCaller
) -> Envelope[Any]:
    """Clear a built-in binding column (github, discord, oidc, linuxdo, wechat, telegram, email)."""
    column = oauth.BUILTIN_COLUMNS.get(binding_type)
    if column is None:
        raise ApiRefused("不支持的绑定类型")
    await _managed(runtime, caller.role, user_id)
    async with runtime.database.unit_of_work() as session:
        user = await session.get(User, user_id)
        assert user is not None
        setattr(user, column, "")
    await runtime.changed(TOPIC_USERS, str(user_id))
    return Envelope.ok(message="解绑成功")


# ----------------------------------------------------------------------------- custom providers


class CustomProviderBody(BaseModel):
    """Create/update body; on update, empty or missing fields keep the stored value."""

    name: str = ""
    slug: str = ""
    icon: str | None = None
    enabled: bool | None = None
    client_id: str = ""
    client_secret: str = ""
    authorization_endpoint: str = ""
    token_endpoint: str = ""
    user_info_endpoint: str = ""
    scopes: str = ""
    user_id_field: str = ""
    username_field: str = ""
    display_name_field: str = ""
    email_field: str = ""
    well_known: str | None = None
    auth_style: int | None = None
    access_policy: str | None = None
    access_denied_message: str | None = None


class DiscoveryRequest(BaseModel):
    well_known_url: str = ""
    issuer_url: str = ""


_PUBLIC_FIELDS = (
    "id",
    "name",
    "slug",
    "icon",
    "enabled",
    "client_id",
    "authorization_endpoint",
    "token_endpoint",
    "user_info_endpoint",
    "scopes",
    "user_id_field",
    "username_field",
    "display_name_field",
    "email_field",
    "well_known",
    "auth_style",
    "access_policy",
    "access_denied_message",
)
_RESERVED_SLUGS = frozenset(
    {kind.value for kind in oauth.ProviderKind} | {"state", "wechat", "telegram", "email", "google"}
)


def _public(row: CustomOAuthProvider) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _PUBLIC_FIELDS}


def _apply(row: CustomOAuthProvider, body: CustomProviderBody, runtime: RuntimeDep) -> None:
    for name in (
        "name",
        "slug",
        "client_id",
        "authorization_endpoint",
        "token_endpoint",
        "user_info_endpoint",
        "scopes",
        "user_id_field",
        "username_field",
        "display_name_field",
        "email_field",
    ):
        value = getattr(body, name).strip()
        if value:
            setattr(row, name, value)
    for name in ("icon", "enabled", "well_known", "auth_style", "access_policy"):
        value = getattr(body, name)
        if value is not None:
            setattr(row, name, value)
    if body.access_denied_message is not None:
        row.access_denied_message = body.access_denied_message
    if body.client_secret:
        row.client_secret = runtime.secrets.encrypt(body.client_secret)


def _validate(row: CustomOAuthProvider) -> None:
    slug = row.slug or ""
    if not slug or not all(c.isalnum() or c in "-_" for c in slug) or slug != slug.lower():
        raise ApiRefused("Slug 只能包含小写字母、数字、连字符和下划线")
    if slug in _RESERVED_SLUGS:
        raise ApiRefused(f"Slug {slug} 是保留名称")
    missing = [
        name
        for name in ("name", "client_id", "authorization_endpoint", "token_endpoint")
        if not getattr(row, name)
    ]
    if not row.user_info_endpoint:
        missing.append("user_info_endpoint")
    if missing or not row.client_secret:
        raise ApiRefused(f"缺少必填字段: {', '.join(missing or ['client_secret'])}")


@router.post("/api/custom-oauth-provider/discovery")
async def discovery(body: DiscoveryRequest, _: RootCaller) -> Envelope[Any]:
    """Fetch a discovery document so the console can prefill endpoints."""
    url = body.well_known_url.strip()
    if not url and body.issuer_url.strip():
        url = body.issuer_url.strip().rstrip("/") + "/.well-known/openid-configuration"
    if not url:
        raise ApiRefused("请提供 well_known_url 或 issuer_url")
    document = await oauth.fetch_discovery(url)
    return Envelope.ok({"well_known_url": url, "discovery": document})


@router.get("/api/custom-oauth-provider/")
async def list_custom(runtime: RuntimeDep, _: RootCaller) -> Envelope[Any]:
    """Every custom provider (no secrets)."""
    async with runtime.database.reader() as session:
        rows = (
            (await session.execute(select(CustomOAuthProvider).order_by(CustomOAuthProvider.id)))
            .scalars()
            .all()
        )
    return Envelope.ok([_public(row) for row in rows])


async def _custom(session: Any, provider_id: int) -> CustomOAuthProvider:
    row: CustomOAuthProvider | None = await session.get(CustomOAuthProvider, provider_id)
    if row is None:
        raise ApiRefused("自定义 OAuth 提供商不存在")
    return row


@router.get("/api/custom-oauth-provider/{provider_id}")
async def get_custom(provider_id: int, runtime: RuntimeDep, _: RootCaller) -> Envelope[Any]:
    """One custom provider."""
    async with runtime.database.reader() as session:
        return Envelope.ok(_public(await _custom(session, provider_id)))


async def _slug_taken(session: Any, slug: str, except_id: int = 0) -> bool:
    stmt = select(CustomOAuthProvider.id).where(
        CustomOAuthProvider.slug == slug, CustomOAuthProvider.id != except_id
    )
    return (await session.execute(stmt.limit(1))).first() is not None


@router.post("/api/custom-oauth-provider/")
async def create_custom(
    body: CustomProviderBody, runtime: RuntimeDep, _: RootCaller
) -> Envelope[Any]:
    """Add a provider; its secret is stored encrypted."""
    row = CustomOAuthProvider(
        icon="",
        enabled=False,
        scopes="openid profile email",
        user_id_field="sub",
        username_field="preferred_username",
        display_name_field="name",
        email_field="email",
        well_known="",
        auth_style=0,
        access_policy="",
        access_denied_message="",
    )
    _apply(row, body, runtime)
    _validate(row)
    async with runtime.database.unit_of_work() as session:
        if await _slug_taken(session, row.slug):
            raise ApiRefused("Slug 已存在")
        row.created_at = row.updated_at = utcnow()
        session.add(row)
        await session.flush()
        data = _public(row)
    return Envelope.ok(data, message="创建成功")


@router.put("/api/custom-oauth-provider/{provider_id}")
async def update_custom(
    provider_id: int, body: CustomProviderBody, runtime: RuntimeDep, _: RootCaller
) -> Envelope[Any]:
    """Change a provider; an empty client_secret keeps the stored one."""
    async with runtime.database.unit_of_work() as session:
        row = await _custom(session, provider_id)
        _apply(row, body, runtime)
        _validate(row)
        if await _slug_taken(session, row.slug, except_id=row.id):
            raise ApiRefused("Slug 已存在")
        row.updated_at = utcnow()
        await session.flush()
        data = _public(row)
    return Envelope.ok(data, message="更新成功")


@router.delete("/api/custom-oauth-provider/{provider_id}")
async def delete_custom(provider_id: int, runtime: RuntimeDep, _: RootCaller) -> Envelope[Any]:
    """Remove a provider and its bindings."""
    async with runtime.database.unit_of_work() as session:
        row = await _custom(session, provider_id)
        bound = await session.execute(
            select(UserOAuthBinding).where(UserOAuthBinding.provider_id == provider_id)
        )
        for binding in bound.scalars().all():
            await session.delete(binding)
        await session.delete(row)
    return Envelope.ok(message="删除成功")
