"""/api/user: login and logout, the caller's own account, and admin management."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from relaygate.auth import totp
from relaygate.auth.deps import AdminCaller, DbSession, RuntimeDep, UserCaller
from relaygate.kit.envelope import Envelope, Page
from relaygate.misc.paging import PageParams
from relaygate.runtime import TOPIC_TOKENS, TOPIC_USERS, Runtime
from relaygate.users import service
from relaygate.users.schemas import (
    LoginPublic,
    LoginRequest,
    ManagePublic,
    ManageRequest,
    SelfPublic,
    SelfUpdate,
    UserCreate,
    UserPublic,
    UserUpdate,
)

router = APIRouter(prefix="/api/user", tags=["users"])


async def _announce(runtime: Runtime, change: service.UserChange) -> None:
    await runtime.changed(TOPIC_USERS, str(change.user_id))
    for key in change.token_keys:
        await runtime.changed(TOPIC_TOKENS, key)


@router.post("/login")
async def login(body: LoginRequest, request: Request, runtime: RuntimeDep) -> Envelope[Any]:
    """Check the password and start a session cookie (new-api's session keys).

    With 2FA enabled the session only holds the pending user until POST /api/user/login/2fa.
    """
    async with runtime.database.unit_of_work() as session:
        user = await service.login(session, body.username, body.password, runtime.options.current)
        if await totp.is_enabled(session, user.id):
            request.session.clear()
            request.session.update(totp.pending_login(user.id, user.username))
            return Envelope.ok({"require_2fa": True}, message="请输入两步验证码")
    data = LoginPublic.model_validate(user)
    request.session.clear()
    request.session.update(
        {
            "id": data.id,
            "username": data.username,
            "role": data.role,
            "status": data.status,
            "group": data.group,
        }
    )
    return Envelope[LoginPublic](data=data)


@router.get("/logout")
async def logout(request: Request) -> Envelope[Any]:
    """End the session."""
    request.session.clear()
    return Envelope.ok()


@router.get("/self")
async def get_self(session: DbSession, caller: UserCaller) -> Envelope[SelfPublic]:
    """The caller's own account (never the password hash or access token)."""
    return Envelope[SelfPublic](data=await service.get_self(session, caller.id))


@router.put("/self")
async def update_self(body: SelfUpdate, runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """Change the caller's username, display name or password."""
    async with runtime.database.unit_of_work() as session:
        await service.update_self(session, caller.id, body)
    await runtime.changed(TOPIC_USERS, str(caller.id))
    return Envelope.ok()


@router.get("/token")
async def generate_access_token(runtime: RuntimeDep, caller: UserCaller) -> Envelope[str]:
    """Issue a new management access token for the caller (the old one stops working)."""
    async with runtime.database.unit_of_work() as session:
        token = await service.generate_access_token(session, caller.id)
    await runtime.changed(TOPIC_USERS, str(caller.id))
    return Envelope[str](data=token)


@router.get("/")
async def list_users(
    page: PageParams, session: DbSession, _: AdminCaller
) -> Envelope[Page[UserPublic]]:
    """A page of users, newest first (admin)."""
    return Envelope[Page[UserPublic]](data=await service.list_users(session, page))


@router.get("/search")
async def search_users(
    page: PageParams, session: DbSession, _: AdminCaller, keyword: str = "", group: str = ""
) -> Envelope[Page[UserPublic]]:
    """Users whose id, username, display name or email match ``keyword`` (admin)."""
    return Envelope[Page[UserPublic]](
        data=await service.list_users(session, page, keyword=keyword.strip(), group=group.strip())
    )


@router.post("/manage")
async def manage_user(
    body: ManageRequest, runtime: RuntimeDep, caller: AdminCaller
) -> Envelope[ManagePublic]:
    """disable, enable, delete, promote, demote or add_quota (add, subtract, override)."""
    async with runtime.database.unit_of_work() as session:
        result, change = await service.manage(session, caller, body, runtime.options.current)
    await _announce(runtime, change)
    return Envelope[ManagePublic](data=result)


@router.get("/{user_id}")
async def get_user(user_id: int, session: DbSession, caller: AdminCaller) -> Envelope[UserPublic]:
    """One user the caller outranks."""
    return Envelope[UserPublic](data=await service.get_user(session, caller, user_id))


@router.post("/")
async def create_user(body: UserCreate, runtime: RuntimeDep, caller: AdminCaller) -> Envelope[Any]:
    """Create an account with a role below the caller's; data is the new id."""
    async with runtime.database.unit_of_work() as session:
        user = await service.create_user(session, caller, body)
    await runtime.changed(TOPIC_USERS, str(user.id))
    return Envelope.ok(user.id)


@router.put("/")
async def update_user(body: UserUpdate, runtime: RuntimeDep, caller: AdminCaller) -> Envelope[Any]:
    """Edit a user the caller outranks (profile, password, group, quota, role)."""
    async with runtime.database.unit_of_work() as session:
        change = await service.update_user(session, caller, body, runtime.options.current)
    await _announce(runtime, change)
    return Envelope.ok()


@router.delete("/{user_id}")
async def delete_user(user_id: int, runtime: RuntimeDep, caller: AdminCaller) -> Envelope[Any]:
    """Hard-delete a user of lower role, with their tokens."""
    async with runtime.database.unit_of_work() as session:
        change = await service.delete_user(session, caller, user_id)
    await _announce(runtime, change)
    return Envelope.ok()
