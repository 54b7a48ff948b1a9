"""FastAPI dependencies for /api: the runtime, a unit of work, and the calling user by role.

A caller is identified as new-api does: the session cookie, or an access token in
``Authorization``; either way the ``New-Api-User`` header must name the same user id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.user import ROLE_ADMIN, ROLE_COMMON, ROLE_ROOT, STATUS_ENABLED, User
from relaygate.errors import ApiRefused, Unauthorized
from relaygate.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    """The process runtime stored on the app by the lifespan."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A unit of work for one /api call, committed when the handler returns.

    Handlers that must publish a change after the commit open their own
    ``runtime.database.unit_of_work()`` instead.
    """
    async with runtime.database.unit_of_work() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_session)]


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated management caller."""

    id: int
    username: str
    role: int
    group: str


async def _caller(request: Request, runtime: Runtime, min_role: int) -> Caller:
    session_user_id = request.session.get("id") if "session" in request.scope else None
    user: User | None = None
    async with runtime.database.reader() as db:
        if session_user_id is not None:
            user = await db.get(User, int(session_user_id))
        else:
            auth = request.headers.get("authorization", "").strip()
            if auth.lower().startswith("bearer "):
                auth = auth[7:].strip()
            if auth:
                user = (
                    await db.execute(
                        select(User).where(User.access_token == auth, User.deleted_at.is_(None))
                    )
                ).scalar_one_or_none()
                if user is None:
                    raise ApiRefused("无权进行此操作，access token 无效")
    if user is None or user.deleted_at is not None:
        raise Unauthorized("无权进行此操作，未登录且未提供 access token")
    header = request.headers.get("new-api-user", "")
    if not header:
        raise Unauthorized("无权进行此操作，未提供 New-Api-User")
    if header != str(user.id):
        raise Unauthorized("无权进行此操作，New-Api-User 与登录用户不匹配")
    if user.status != STATUS_ENABLED:
        raise ApiRefused("用户已被封禁")
    if user.role < min_role:
        raise ApiRefused("无权进行此操作，权限不足")
    return Caller(id=user.id, username=user.username, role=user.role, group=user.group)


async def current_user(request: Request, runtime: RuntimeDep) -> Caller:
    """Any logged-in user."""
    return await _caller(request, runtime, ROLE_COMMON)


async def current_admin(request: Request, runtime: RuntimeDep) -> Caller:
    """An admin (role ≥ 10)."""
    return await _caller(request, runtime, ROLE_ADMIN)


async def current_root(request: Request, runtime: RuntimeDep) -> Caller:
    """The root user (role 100)."""
    return await _caller(request, runtime, ROLE_ROOT)


UserCaller = Annotated[Caller, Depends(current_user)]
AdminCaller = Annotated[Caller, Depends(current_admin)]
RootCaller = Annotated[Caller, Depends(current_root)]
