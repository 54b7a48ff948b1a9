"""Request and response bodies for /api/token (new-api field names; keys without ``sk-``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TokenFields(BaseModel):
    """Fields a user sets on create and update."""

    name: str = ""
    expired_time: int = -1
    """Unix seconds, or -1 for never."""
    remain_quota: int = 0
    unlimited_quota: bool = False
    model_limits_enabled: bool = False
    model_limits: str = ""
    """Comma-separated model names the key may call when ``model_limits_enabled``."""
    allow_ips: str | None = ""
    """Allowed client IPs or CIDRs, one per line (commas accepted)."""
    group: str = ""
    cross_group_retry: bool = False


class TokenCreate(TokenFields):
    """``POST /api/token/``."""


class TokenUpdate(TokenFields):
    """``PUT /api/token/``; with ``?status_only=true`` only ``status`` is read."""

    id: int
    status: int = 0
    preserve_model_access: bool = False
    """Keep the stored model limits, group and cross-group retry (new-api)."""


class TokenPublic(BaseModel):
    """A token with its key masked (``abcd**********wxyz``) and its effective status."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    key: str
    status: int
    name: str
    created_time: int
    accessed_time: int
    expired_time: int
    remain_quota: int
    unlimited_quota: bool
    model_limits_enabled: bool
    model_limits: str
    allow_ips: str | None
    used_quota: int
    group: str
    cross_group_retry: bool


class TokenCreated(BaseModel):
    """The only answer that carries the full key, besides ``POST /api/token/{id}/key``."""

    id: int
    key: str


class TokenKey(BaseModel):
    """``POST /api/token/{id}/key``."""

    key: str = Field(description="the full key, without the sk- prefix")


class TokenStats(BaseModel):
    """Counts of a user's tokens by effective status (new-api ``UserTokenStats``)."""

    total: int
    enabled: int
    disabled: int
    expired: int
    exhausted: int


class TokenPage(BaseModel):
    """new-api's token list page: the page shape plus account-wide ``stats``."""

    page: int
    page_size: int
    total: int
    items: list[TokenPublic]
    stats: TokenStats


class TokenBatch(BaseModel):
    """``POST /api/token/batch`` (delete) and ``POST /api/token/batch/keys``."""

    ids: list[int] = Field(default_factory=list)


class TokenKeys(BaseModel):
    """``POST /api/token/batch/keys``: full keys by token id (only the caller's tokens)."""

    keys: dict[int, str]


class TokenUsage(BaseModel):
    """``GET /api/usage/token/``: the presenting key's quota (new-api ``GetTokenUsage``)."""

    object: str = "token_usage"
    name: str
    total_granted: int
    total_used: int
    total_available: int
    unlimited_quota: bool
    model_limits: dict[str, bool]
    model_limits_enabled: bool
    expires_at: int
    """Unix seconds; 0 for never."""


class TokenUsageAnswer(BaseModel):
    """new-api answers this route with ``code`` (true) rather than ``success``."""

    code: bool = True
    message: str = "ok"
    data: TokenUsage
