"""/api/user/passkey/*: register, log in, step up, status, remove, admin reset (new-api
passkey.go). Finish routes take the browser's PublicKeyCredential JSON as the body."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from relaygate.auth import passkeys, totp, verification
from relaygate.auth.deps import AdminCaller, RuntimeDep, UserCaller
from relaygate.auth.routes.common import start_session
from relaygate.db.models.user import STATUS_ENABLED, User
from relaygate.errors import ApiRefused
from relaygate.kit.envelope import Envelope
from relaygate.runtime import Runtime
from relaygate.users.service import can_manage

router = APIRouter(prefix="/api/user", tags=["passkey"])

Credential = Annotated[dict[str, Any], Body()]
"""The PublicKeyCredential JSON the browser produced, as the whole body."""


def _require_enabled(runtime: Runtime) -> None:
    if not passkeys.enabled(runtime.options.current):
        raise ApiRefused(passkeys.NOT_ENABLED)


async def _live_user(runtime: Runtime, user_id: int) -> User:
    async with runtime.database.reader() as session:
        user = await session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise ApiRefused("用户不存在")
    if user.status != STATUS_ENABLED:
        raise ApiRefused("该用户已被禁用")
    return user


def _require_step_up(request: Request, method: str) -> None:
    if not verification.verified_recently(request):
        raise ApiRefused("请先完成安全验证")
    if not verification.verified_recently_with(request, method):
        raise ApiRefused("请先完成对应的安全验证")


@router.get("/passkey")
async def passkey_status(runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """``{enabled, last_used_at?}``."""
    async with runtime.database.reader() as session:
        credential = await passkeys.get(session, caller.id)
    if credential is None:
        return Envelope.ok({"enabled": False})
    last = credential.last_used_at
    return Envelope.ok({"enabled": True, "last_used_at": last.isoformat() if last else None})


@router.post("/passkey/register/begin")
async def register_begin(
    request: Request, runtime: RuntimeDep, caller: UserCaller
) -> Envelope[Any]:
    """Creation options; with 2FA on, a recent 2FA step-up is required first."""
    _require_enabled(runtime)
    rp = passkeys.relying_party(request, runtime.options.current)
    user = await _live_user(runtime, caller.id)
    async with runtime.database.reader() as session:
        if await totp.is_enabled(session, caller.id):
            _require_step_up(request, "2fa")
        existing = await passkeys.get(session, caller.id)
    return Envelope.ok({"options": passkeys.begin_registration(request, rp, user, existing)})


@router.post("/passkey/register/finish")
async def register_finish(
    request: Request, runtime: RuntimeDep, caller: UserCaller, credential: Credential
) -> Envelope[Any]:
    """Verify the attestation and bind the passkey."""
    _require_enabled(runtime)
    rp = passkeys.relying_party(request, runtime.options.current)
    await _live_user(runtime, caller.id)
    async with runtime.database.unit_of_work() as session:
        if await totp.is_enabled(session, caller.id):
            _require_step_up(request, "2fa")
        await passkeys.finish_registration(session, request, rp, caller.id, credential)
    return Envelope.ok(message="Passkey 注册成功")


@router.delete("/passkey")
async def passkey_delete(
    request: Request, runtime: RuntimeDep, caller: UserCaller
) -> Envelope[Any]:
    """Unbind the caller's passkey after a step-up (2FA if on, else the passkey itself)."""
    async with runtime.database.unit_of_work() as session:
        if await totp.is_enabled(session, caller.id):
            _require_step_up(request, "2fa")
        else:
            if await passkeys.get(session, caller.id) is None:
                raise ApiRefused(passkeys.NOT_BOUND)
            _require_step_up(request, "passkey")
        await passkeys.remove(session, caller.id)
    return Envelope.ok(message="Passkey 已解绑")


@router.post("/passkey/login/begin")
async def login_begin(request: Request, runtime: RuntimeDep) -> Envelope[Any]:
    """Discoverable login options (anonymous)."""
    _require_enabled(runtime)
    rp = passkeys.relying_party(request, runtime.options.current)
    return Envelope.ok({"options": passkeys.begin_login(request, rp)})


@router.post("/passkey/login/finish")
async def login_finish(
    request: Request, runtime: RuntimeDep, credential: Credential
) -> Envelope[Any]:
    """Verify the assertion and log its owner in."""
    _require_enabled(runtime)
    rp = passkeys.relying_party(request, runtime.options.current)
    async with runtime.database.unit_of_work() as session:
        user = await passkeys.finish_login(session, request, rp, credential)
    if user.status != STATUS_ENABLED:
        raise ApiRefused("该用户已被禁用")
    return Envelope.ok(start_session(request, user))


@router.post("/passkey/verify/begin")
async def verify_begin(request: Request, runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """Step-up options for the caller's own passkey."""
    _require_enabled(runtime)
    await _live_user(runtime, caller.id)
    async with runtime.database.reader() as session:
        credential = await passkeys.get(session, caller.id)
    if credential is None:
        raise ApiRefused(passkeys.NOT_BOUND)
    rp = passkeys.relying_party(request, runtime.options.current)
    return Envelope.ok({"options": passkeys.begin_verify(request, rp, caller.id, credential)})


@router.post("/passkey/verify/finish")
async def verify_finish(
    request: Request, runtime: RuntimeDep, caller: UserCaller, credential: Credential
) -> Envelope[Any]:
    """Check the step-up assertion; POST /api/verify {method: passkey} then completes it."""
    _require_enabled(runtime)
    rp = passkeys.relying_party(request, runtime.options.current)
    async with runtime.database.unit_of_work() as session:
        await passkeys.finish_verify(session, request, rp, caller.id, credential)
    verification.mark_passkey_ready(request)
    return Envelope.ok(message="Passkey 验证成功")


@router.delete("/{user_id}/reset_passkey")
async def admin_reset(user_id: int, runtime: RuntimeDep, caller: AdminCaller) -> Envelope[Any]:
    """Remove the passkey of a user the caller outranks."""
    async with runtime.database.unit_of_work() as session:
        target = await session.get(User, user_id)
        if target is None or target.deleted_at is not None:
            raise ApiRefused("用户不存在")
        if not can_manage(caller.role, target.role):
            raise ApiRefused("no permission")
        if not await passkeys.remove(session, user_id):
            raise ApiRefused(passkeys.NOT_BOUND)
    return Envelope.ok(message="Passkey 已重置")
