"""Account rules: login, self-service, and what an admin may do to whom (new-api's role ladder)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.auth.deps import Caller
from relaygate.auth.passwords import hash_password_async, verify_password_async
from relaygate.db.models.user import (
    ROLE_ADMIN,
    ROLE_COMMON,
    ROLE_ROOT,
    STATUS_DISABLED,
    STATUS_ENABLED,
    User,
)
from relaygate.errors import ApiRefused
from relaygate.kit import clock, ids
from relaygate.kit.envelope import Page
from relaygate.logs import service as logs_service
from relaygate.misc.paging import PageQuery
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.tokens import repository as tokens_repository
from relaygate.users import repository
from relaygate.users.schemas import (
    PASSWORD_MIN,
    ManagePublic,
    ManageRequest,
    SelfPublic,
    SelfUpdate,
    UserCreate,
    UserPublic,
    UserUpdate,
)

DEFAULT_GROUP = "default"
ROOT_INITIAL_QUOTA = 100_000_000
ASSIGNABLE_ROLES = frozenset({ROLE_COMMON, ROLE_ADMIN})


@dataclass(slots=True)
class UserChange:
    """What a write touched, so the router can tell the caches after commit."""

    user_id: int
    token_keys: list[str] = field(default_factory=list)
    """Keys whose cached owner state (status, role, existence) is now stale."""


def can_manage(my_role: int, target_role: int) -> bool:
    """Root manages everyone; anyone else only strictly lower roles (new-api)."""
    return my_role == ROLE_ROOT or my_role > target_role


async def _target(session: AsyncSession, user_id: int) -> User:
    user = await repository.get(session, user_id)
    if user is None:
        raise ApiRefused("用户不存在")
    return user


async def login(
    session: AsyncSession, username: str, password: str, options: OptionsSnapshot
) -> User:
    """Check credentials (username or email) and stamp the login time."""
    if options.get("PasswordLoginEnabled", "true") != "true":
        raise ApiRefused("管理员关闭了密码登录")
    username = username.strip()
    if not username or not password:
        raise ApiRefused("无效的参数")
    user = await repository.find_for_login(session, username)
    # Same message for unknown user, wrong password and banned user, as new-api.
    if user is None or not await verify_password_async(password, user.password):
        raise ApiRefused("用户名或密码错误，或因违规行为被封禁")
    if user.status != STATUS_ENABLED:
        raise ApiRefused("用户名或密码错误，或因违规行为被封禁")
    user.last_login_at = clock.now()
    return user


async def get_self(session: AsyncSession, user_id: int) -> SelfPublic:
    """The caller's own account."""
    user = await _target(session, user_id)
    public = SelfPublic.model_validate(user)
    public.remark = ""
    public.has_access_token = bool(user.access_token)
    return public


async def generate_access_token(session: AsyncSession, user_id: int) -> str:
    """Replace the caller's management access token with a fresh one and return it."""
    user = await _target(session, user_id)
    token = ids.new_access_token()
    if await repository.access_token_taken(session, token):
        raise ApiRefused("生成的令牌重复，请重试")
    user.access_token = token
    return token


async def update_self(session: AsyncSession, user_id: int, body: SelfUpdate) -> None:
    """Change the caller's username, display name or (with the original) password."""
    user = await _target(session, user_id)
    if body.password:
        if len(body.password) < PASSWORD_MIN:
            raise ApiRefused(f"密码长度至少为{PASSWORD_MIN}个字符")
        if user.password and not await verify_password_async(body.original_password, user.password):
            raise ApiRefused("原密码错误")
        user.password = await hash_password_async(body.password)
    if body.username and body.username != user.username:
        if await repository.username_taken(session, body.username, except_id=user.id):
            raise ApiRefused("用户名已存在")
        user.username = body.username
    if body.display_name is not None:
        user.display_name = body.display_name


async def list_users(
    session: AsyncSession, page: PageQuery, *, keyword: str = "", group: str = ""
) -> Page[UserPublic]:
    """A page of users, newest first."""
    rows, total = await repository.list_page(
        session, offset=page.offset, limit=page.page_size, keyword=keyword, group=group
    )
    return Page[UserPublic](
        page=page.page,
        page_size=page.page_size,
        total=total,
        items=[UserPublic.model_validate(row) for row in rows],
    )


async def get_user(session: AsyncSession, caller: Caller, user_id: int) -> UserPublic:
    """One user, if the caller outranks them."""
    user = await _target(session, user_id)
    if not can_manage(caller.role, user.role):
        raise ApiRefused("无权获取同级或更高等级用户的信息")
    return UserPublic.model_validate(user)


async def create_user(session: AsyncSession, caller: Caller, body: UserCreate) -> User:
    """An account with a role strictly below the caller's."""
    username = body.username.strip()
    if not username:
        raise ApiRefused("无效的参数")
    if body.role >= caller.role or body.role not in ASSIGNABLE_ROLES:
        raise ApiRefused("无法创建权限大于等于自己的用户")
    if await repository.username_taken(session, username):
        raise ApiRefused("用户名已存在")
    user = User(
        username=username,
        password=await hash_password_async(body.password),
        display_name=body.display_name or username,
        role=body.role,
        status=STATUS_ENABLED,
        email=body.email.strip(),
        group=body.group or DEFAULT_GROUP,
        remark=body.remark,
    )
    return await repository.add(session, user)


async def create_root(session: AsyncSession, username: str, password: str) -> User:
    """The first root account (``POST /api/setup``)."""
    user = User(
        username=username,
        password=await hash_password_async(password),
        display_name="Root User",
        role=ROLE_ROOT,
        status=STATUS_ENABLED,
        group=DEFAULT_GROUP,
        quota=ROOT_INITIAL_QUOTA,
    )
    return await repository.add(session, user)


async def update_user(
    session: AsyncSession, caller: Caller, body: UserUpdate, options: OptionsSnapshot
) -> UserChange:
    """Edit a user the caller outranks; role changes stay below the caller's own role."""
    user = await _target(session, body.id)
    if not can_manage(caller.role, user.role):
        raise ApiRefused("无权更新同权限等级或更高权限等级的用户信息")
    change = UserChange(user_id=user.id)
    if body.role is not None and body.role != user.role:
        if user.role == ROLE_ROOT or body.role not in ASSIGNABLE_ROLES or body.role >= caller.role:
            raise ApiRefused("无法创建权限大于等于自己的用户")
        user.role = body.role
        change.token_keys = await tokens_repository.keys_for_user(session, user.id)
    if body.username and body.username.strip() != user.username:
        username = body.username.strip()
        if await repository.username_taken(session, username, except_id=user.id):
            raise ApiRefused("用户名已存在")
        user.username = username
    if body.password:
        if len(body.password) < PASSWORD_MIN:
            raise ApiRefused(f"密码长度至少为{PASSWORD_MIN}个字符")
        user.password = await hash_password_async(body.password)
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.email is not None:
        user.email = body.email.strip()
    if body.group:
        user.group = body.group
    if body.remark is not None:
        user.remark = body.remark
    if body.quota is not None and body.quota != user.quota:
        previous = user.quota
        user.quota = body.quota
        await logs_service.record_manage(
            session,
            user_id=user.id,
            content=f"管理员将用户额度从 {logs_service.quota_text(previous, options)}"
            f"修改为 {logs_service.quota_text(body.quota, options)}",
            admin_id=caller.id,
            admin_username=caller.username,
        )
    return change


async def delete_user(session: AsyncSession, caller: Caller, user_id: int) -> UserChange:
    """Remove a user outright, with their tokens (``DELETE /api/user/{id}``)."""
    user = await _target(session, user_id)
    if caller.role <= user.role:
        raise ApiRefused("无权更新同权限等级或更高权限等级的用户信息")
    keys = await tokens_repository.keys_for_user(session, user.id)
    await tokens_repository.delete_for_user(session, user.id)
    await repository.hard_delete(session, user.id)
    return UserChange(user_id=user.id, token_keys=keys)


async def manage(
    session: AsyncSession, caller: Caller, body: ManageRequest, options: OptionsSnapshot
) -> tuple[ManagePublic | None, UserChange]:
    """Apply one ``/api/user/manage`` action; ``add_quota`` answers without data, as new-api."""
    user = await _target(session, body.id)
    if not can_manage(caller.role, user.role):
        raise ApiRefused("无权更新同权限等级或更高权限等级的用户信息")
    change = UserChange(user_id=user.id)
    match body.action:
        case "disable":
            if user.role == ROLE_ROOT:
                raise ApiRefused("无法禁用超级管理员用户")
            user.status = STATUS_DISABLED
        case "enable":
            user.status = STATUS_ENABLED
        case "delete":
            if user.role == ROLE_ROOT:
                raise ApiRefused("不能删除超级管理员账户")
            await repository.soft_delete(session, user.id)
        case "promote":
            if caller.role != ROLE_ROOT:
                raise ApiRefused("普通管理员用户无法提升其他用户为管理员")
            if user.role >= ROLE_ADMIN:
                raise ApiRefused("该用户已经是管理员")
            user.role = ROLE_ADMIN
        case "demote":
            if user.role == ROLE_ROOT:
                raise ApiRefused("无法降级超级管理员用户")
            if user.role == ROLE_COMMON:
                raise ApiRefused("该用户已经是普通用户")
            user.role = ROLE_COMMON
        case "add_quota":
            await _change_quota(session, caller, user, body, options)
            return None, change
    if body.action != "enable":
        change.token_keys = await tokens_repository.keys_for_user(session, user.id)
    return ManagePublic(role=user.role, status=user.status), change


async def _change_quota(
    session: AsyncSession, caller: Caller, user: User, body: ManageRequest, options: OptionsSnapshot
) -> None:
    value = body.value
    if body.mode in ("add", "subtract"):
        if value <= 0:
            raise ApiRefused("额度变更量不能为0")
        delta = value if body.mode == "add" else -value
        await repository.add_quota(session, user.id, delta)
        verb = "增加" if body.mode == "add" else "减少"
        content = f"管理员{verb}用户额度 {logs_service.quota_text(value, options)}"
    elif body.mode == "override":
        previous = await repository.set_quota(session, user.id, value)
        content = (
            f"管理员覆盖用户额度从 {logs_service.quota_text(previous, options)}"
            f" 为 {logs_service.quota_text(value, options)}"
        )
    else:
        raise ApiRefused("无效的参数")
    await logs_service.record_manage(
        session,
        user_id=user.id,
        content=content,
        admin_id=caller.id,
        admin_username=caller.username,
    )
