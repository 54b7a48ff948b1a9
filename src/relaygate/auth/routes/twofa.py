"""/api/user/2fa/* and /api/user/login/2fa: TOTP setup, use and admin reset (new-api twofa.go).

Wrong codes are refused only after the unit of work commits, so failure counts and lockouts
persist.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from relaygate.auth import totp
from relaygate.auth.deps import AdminCaller, RuntimeDep, UserCaller
from relaygate.auth.routes.common import CodeRequest, start_session
from relaygate.db.models.user import STATUS_ENABLED, User
from relaygate.errors import ApiRefused
from relaygate.kit.envelope import Envelope
from relaygate.users.service import can_manage

router = APIRouter(prefix="/api/user", tags=["2fa"])


@router.get("/2fa/status")
async def status(runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """``{enabled, locked, backup_codes_remaining}``."""
    async with runtime.database.reader() as session:
        return Envelope.ok(await totp.status(session, caller.id))


@router.post("/2fa/setup")
async def setup(runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """A new secret, its otpauth URI and backup codes; 2FA stays off until enabled."""
    issuer = runtime.options.current.get("SystemName", "relaygate") or "relaygate"
    async with runtime.database.unit_of_work() as session:
        result = await totp.setup(session, runtime.secrets, caller.id, issuer)
    return Envelope.ok(
        {
            "secret": result.secret,
            "qr_code_data": result.qr_code_data,
            "backup_codes": result.backup_codes,
        },
        message="2FA设置初始化成功，请使用认证器扫描二维码并输入验证码完成设置",
    )


@router.post("/2fa/enable")
async def enable(body: CodeRequest, runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """Turn 2FA on with a code from the authenticator."""
    async with runtime.database.unit_of_work() as session:
        accepted = await totp.enable(session, runtime.secrets, caller.id, body.code)
    if not accepted:
        raise ApiRefused(totp.WRONG_CODE)
    return Envelope.ok(message="两步验证启用成功")


@router.post("/2fa/disable")
async def disable(body: CodeRequest, runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """Turn 2FA off with a TOTP or backup code."""
    async with runtime.database.unit_of_work() as session:
        accepted = await totp.disable(session, runtime.secrets, caller.id, body.code)
    if not accepted:
        raise ApiRefused(totp.WRONG_CODE)
    return Envelope.ok(message="两步验证已禁用")


@router.post("/2fa/backup_codes")
async def regenerate(body: CodeRequest, runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """Replace the backup codes (needs a TOTP code)."""
    async with runtime.database.unit_of_work() as session:
        codes = await totp.regenerate_backup_codes(session, runtime.secrets, caller.id, body.code)
    if codes is None:
        raise ApiRefused(totp.WRONG_CODE)
    return Envelope.ok({"backup_codes": codes}, message="备用码重新生成成功")


@router.post("/login/2fa")
async def login_2fa(body: CodeRequest, request: Request, runtime: RuntimeDep) -> Envelope[Any]:
    """Finish a password login that answered ``require_2fa``."""
    pending = request.session.get(totp.SESSION_PENDING_USER_ID)
    if pending is None:
        raise ApiRefused("会话已过期，请重新登录")
    if not isinstance(pending, int) or isinstance(pending, bool):
        raise ApiRefused("会话数据无效，请重新登录")
    async with runtime.database.unit_of_work() as session:
        user = await session.get(User, pending)
        if user is None or user.deleted_at is not None:
            raise ApiRefused("用户不存在")
        row = await totp.enabled_row(session, user.id)
        accepted = await totp.check_code(session, runtime.secrets, row, body.code)
    if not accepted:
        raise ApiRefused(totp.WRONG_CODE)
    if user.status != STATUS_ENABLED:
        raise ApiRefused("用户已被封禁")
    return Envelope.ok(start_session(request, user))


@router.get("/2fa/stats")
async def stats(runtime: RuntimeDep, _: AdminCaller) -> Envelope[Any]:
    """How many users turned 2FA on (admin)."""
    async with runtime.database.reader() as session:
        return Envelope.ok(await totp.stats(session))


@router.delete("/{user_id}/2fa")
async def admin_disable(user_id: int, runtime: RuntimeDep, caller: AdminCaller) -> Envelope[Any]:
    """Force 2FA off for a user the caller outranks."""
    async with runtime.database.unit_of_work() as session:
        target = await session.get(User, user_id)
        if target is None or target.deleted_at is not None:
            raise ApiRefused("用户不存在")
        if not can_manage(caller.role, target.role):
            raise ApiRefused("无权操作同级或更高级用户的2FA设置")
        await totp.force_disable(session, user_id)
    return Envelope.ok(message="用户2FA已被强制禁用")
