"""/api/verify: step-up with a TOTP/backup code or a fresh passkey assertion (new-api
secure_verification.go); success stamps ``secure_verified_at`` in the session."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from relaygate.auth import passkeys, totp, verification
from relaygate.auth.deps import RuntimeDep, UserCaller
from relaygate.errors import ApiRefused
from relaygate.kit.envelope import Envelope

router = APIRouter(prefix="/api/verify", tags=["verify"])


class VerifyRequest(BaseModel):
    method: str = ""
    code: str = ""


@router.post("")
async def verify(
    body: VerifyRequest, request: Request, runtime: RuntimeDep, caller: UserCaller
) -> Envelope[Any]:
    """Check the second factor and remember the step-up for five minutes."""
    async with runtime.database.unit_of_work() as session:
        row = await totp.get(session, caller.id)
        has_2fa = row is not None and row.is_enabled
        has_passkey = await passkeys.get(session, caller.id) is not None
        if not has_2fa and not has_passkey:
            raise ApiRefused("用户未启用2FA或Passkey")
        if body.method == "2fa":
            if row is None or not has_2fa:
                raise ApiRefused("用户未启用2FA")
            if not body.code:
                raise ApiRefused("验证码不能为空")
            verified = await totp.check_code(session, runtime.secrets, row, body.code)
        elif body.method == "passkey":
            if not has_passkey:
                raise ApiRefused("用户未启用Passkey")
            if not verification.consume_passkey_ready(request):
                raise ApiRefused("请先完成 Passkey 验证")
            verified = True
        else:
            raise ApiRefused(f"不支持的验证方式: {body.method}")
    if not verified:
        raise ApiRefused("验证失败，请检查验证码")
    at = verification.mark_verified(request, body.method)
    return Envelope.ok(
        {"verified": True, "expires_at": at + verification.DEFAULT_MAX_AGE}, message="验证成功"
    )


@router.get("/status")
async def verify_status(request: Request, _: UserCaller) -> Envelope[Any]:
    """``{verified, expires_at?}`` for this session."""
    at = verification.verified_at(request)
    if at is None or not verification.verified_recently(request):
        return Envelope.ok({"verified": False})
    return Envelope.ok({"verified": True, "expires_at": at + verification.DEFAULT_MAX_AGE})
