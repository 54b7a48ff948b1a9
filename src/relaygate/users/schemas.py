"""Request and response bodies for /api/user, with new-api's JSON field names."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from relaygate.db.models.user import ROLE_COMMON

USERNAME_MAX = 20
PASSWORD_MIN = 8
PASSWORD_MAX = 20


class LoginRequest(BaseModel):
    """``POST /api/user/login``: ``username`` may also be the account's email."""

    username: str = ""
    password: str = ""


class LoginPublic(BaseModel):
    """What a login returns and stores in the session."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: int
    status: int
    group: str


class UserPublic(BaseModel):
    """A user as admins see it; never the password hash or the access token."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: int
    status: int
    email: str
    github_id: str
    discord_id: str
    oidc_id: str
    wechat_id: str
    telegram_id: str
    linux_do_id: str
    quota: int
    used_quota: int
    request_count: int
    group: str
    aff_code: str | None
    aff_count: int
    aff_quota: int
    aff_history_quota: int = Field(validation_alias="aff_history")
    inviter_id: int
    setting: str
    remark: str
    stripe_customer: str
    created_at: int
    last_login_at: int


class SelfPublic(UserPublic):
    """The caller's own account (``GET /api/user/self``); admin remarks are hidden."""

    has_access_token: bool = False
    """Whether a management access token has been generated (its value is never shown again)."""


class UserCreate(BaseModel):
    """``POST /api/user/``: an admin creates an account below their own role."""

    username: str = Field(min_length=1, max_length=USERNAME_MAX)
    password: str = Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)
    display_name: str = Field("", max_length=USERNAME_MAX)
    role: int = ROLE_COMMON
    email: str = Field("", max_length=50)
    group: str = Field("", max_length=64)
    remark: str = Field("", max_length=255)


class UserUpdate(BaseModel):
    """``PUT /api/user/``: fields left out (null) keep their value; an empty password keeps it."""

    id: int
    username: str | None = Field(None, max_length=USERNAME_MAX)
    display_name: str | None = Field(None, max_length=USERNAME_MAX)
    password: str | None = Field(None, max_length=PASSWORD_MAX)
    email: str | None = Field(None, max_length=50)
    group: str | None = Field(None, max_length=64)
    quota: int | None = None
    role: int | None = None
    remark: str | None = Field(None, max_length=255)


class SelfUpdate(BaseModel):
    """``PUT /api/user/self``: profile fields; a new password needs the original one."""

    username: str | None = Field(None, max_length=USERNAME_MAX)
    display_name: str | None = Field(None, max_length=USERNAME_MAX)
    password: str | None = Field(None, max_length=PASSWORD_MAX)
    original_password: str = ""


ManageAction = Literal["disable", "enable", "delete", "promote", "demote", "add_quota"]


class ManageRequest(BaseModel):
    """``POST /api/user/manage``."""

    id: int
    action: ManageAction
    value: int = 0
    mode: Literal["add", "subtract", "override", ""] = ""


class ManagePublic(BaseModel):
    """The target's role and status after a manage action."""

    role: int
    status: int
