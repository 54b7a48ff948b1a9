"""Self-service /api routes: register, email codes, password reset, check-in, affiliate, settings.

Rate limits and Turnstile for these routes are applied by ``protection/`` before they run.
Mounted before the users router so ``/api/user/aff`` etc. never reach ``/api/user/{id}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from relaygate.accounts import service
from relaygate.accounts.schemas import (
    AffTransferRequest,
    CheckinRecord,
    CheckinStatus,
    GroupPublic,
    PasswordResetRequest,
    RegisterRequest,
    SettingUpdate,
)
from relaygate.accounts.verification import CodeStore
from relaygate.auth.deps import DbSession, RuntimeDep, UserCaller
from relaygate.kit.envelope import Envelope
from relaygate.runtime import TOPIC_TOKENS, TOPIC_USERS, Runtime

router = APIRouter(prefix="/api", tags=["accounts"])


def get_codes(request: Request, runtime: RuntimeDep) -> CodeStore:
    """This app's verification-code store (Redis-backed when Redis is configured)."""
    store: CodeStore | None = getattr(request.app.state, "verification_codes", None)
    if store is None or store.redis is not runtime.redis:
        store = CodeStore(runtime.redis)
        request.app.state.verification_codes = store
    return store


Codes = Annotated[CodeStore, Depends(get_codes)]


async def _announce(runtime: Runtime, change: service.AccountChange) -> None:
    for user_id in change.user_ids:
        await runtime.changed(TOPIC_USERS, str(user_id))
    for key in change.token_keys:
        await runtime.changed(TOPIC_TOKENS, key)


@router.post("/user/register")
async def register(body: RegisterRequest, runtime: RuntimeDep, codes: Codes) -> Envelope[Any]:
    """Create an account (the caller then logs in, as with new-api)."""
    async with runtime.database.unit_of_work() as session:
        change = await service.register(session, body, runtime.options.current, codes)
    await _announce(runtime, change)
    return Envelope.ok()


@router.get("/verification")
async def send_verification(
    session: DbSession, runtime: RuntimeDep, codes: Codes, email: str = ""
) -> Envelope[Any]:
    """Mail a registration code to ``email``."""
    await service.send_verification_code(session, email, runtime.options.current, codes)
    return Envelope.ok()


@router.get("/reset_password")
async def send_password_reset(
    session: DbSession, runtime: RuntimeDep, codes: Codes, email: str = ""
) -> Envelope[Any]:
    """Mail a reset link when an account uses ``email``; answers the same either way."""
    await service.send_password_reset(session, email, runtime.options.current, codes)
    return Envelope.ok()


@router.post("/user/reset")
async def reset_password(
    body: PasswordResetRequest, runtime: RuntimeDep, codes: Codes
) -> Envelope[str]:
    """Trade a reset token for a new random password, shown once."""
    async with runtime.database.unit_of_work() as session:
        password, change = await service.reset_password(session, body.email, body.token, codes)
    await _announce(runtime, change)
    return Envelope[str](data=password)


@router.get("/user/checkin")
async def checkin_status(
    session: DbSession, runtime: RuntimeDep, caller: UserCaller, month: str = ""
) -> Envelope[CheckinStatus]:
    """Check-in settings, this month's (or ``month``'s) check-ins and all-time totals."""
    status = await service.checkin_status(session, caller.id, month, runtime.options.current)
    return Envelope[CheckinStatus](data=status)


@router.post("/user/checkin")
async def checkin(runtime: RuntimeDep, caller: UserCaller) -> Envelope[CheckinRecord]:
    """Claim today's reward."""
    async with runtime.database.unit_of_work() as session:
        record = await service.checkin(session, caller, runtime.options.current)
    await runtime.changed(TOPIC_USERS, str(caller.id))
    return Envelope[CheckinRecord](message="签到成功", data=record)


@router.get("/user/aff")
async def get_aff_code(runtime: RuntimeDep, caller: UserCaller) -> Envelope[str]:
    """The caller's invitation code (issued on first use)."""
    async with runtime.database.unit_of_work() as session:
        code = await service.aff_code(session, caller.id)
    return Envelope[str](data=code)


@router.post("/user/aff_transfer")
async def transfer_aff_quota(
    body: AffTransferRequest, runtime: RuntimeDep, caller: UserCaller
) -> Envelope[Any]:
    """Move earned affiliate quota into the wallet."""
    async with runtime.database.unit_of_work() as session:
        await service.transfer_aff_quota(session, caller.id, body.quota, runtime.options.current)
    await runtime.changed(TOPIC_USERS, str(caller.id))
    return Envelope.ok(message="划转成功")


@router.put("/user/setting")
async def update_setting(
    body: SettingUpdate, runtime: RuntimeDep, caller: UserCaller
) -> Envelope[Any]:
    """Quota-warning channel and threshold, and relay preferences."""
    async with runtime.database.unit_of_work() as session:
        await service.update_setting(session, caller, body)
    await runtime.changed(TOPIC_USERS, str(caller.id))
    return Envelope.ok(message="设置已更新")


@router.get("/user/groups")
async def public_groups(runtime: RuntimeDep) -> Envelope[dict[str, GroupPublic]]:
    """Groups anyone may pick, with ratio and description (no login needed)."""
    return Envelope[dict[str, GroupPublic]](data=service.usable_groups(runtime.options.current, ""))


@router.get("/user/self/groups")
async def self_groups(
    session: DbSession, runtime: RuntimeDep, caller: UserCaller
) -> Envelope[dict[str, GroupPublic]]:
    """Groups the caller may pick, with the ratio that applies to their own group."""
    group = await service.user_group(session, caller.id)
    return Envelope[dict[str, GroupPublic]](
        data=service.usable_groups(runtime.options.current, group)
    )


@router.delete("/user/self")
async def delete_self(request: Request, runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """Close the caller's own account (soft delete; root cannot)."""
    async with runtime.database.unit_of_work() as session:
        change = await service.delete_self(session, caller)
    await _announce(runtime, change)
    request.session.clear()
    return Envelope.ok()
