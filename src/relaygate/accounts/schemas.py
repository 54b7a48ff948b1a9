"""Bodies for self-service accounts: registration, password reset, check-in, affiliate, settings."""

from __future__ import annotations

from pydantic import BaseModel


class RegisterRequest(BaseModel):
    """``POST /api/user/register``; ``aff_code`` is the inviter's code, not the new user's."""

    username: str = ""
    password: str = ""
    email: str = ""
    verification_code: str = ""
    aff_code: str = ""


class PasswordResetRequest(BaseModel):
    """``POST /api/user/reset``: the email and the token from the reset link."""

    email: str = ""
    token: str = ""


class AffTransferRequest(BaseModel):
    """``POST /api/user/aff_transfer``: how much affiliate quota to move into the wallet."""

    quota: int


class SettingUpdate(BaseModel):
    """``PUT /api/user/setting``: quota warnings and relay preferences (new-api field names)."""

    notify_type: str = ""
    quota_warning_threshold: float = 0
    webhook_url: str = ""
    webhook_secret: str = ""
    notification_email: str = ""
    bark_url: str = ""
    gotify_url: str = ""
    gotify_token: str = ""
    gotify_priority: int = 0
    upstream_model_update_notify_enabled: bool | None = None
    """Admins only; ignored for everyone else."""
    accept_unset_model_ratio_model: bool = False
    record_ip_log: bool = False


class CheckinRecord(BaseModel):
    """One day's check-in."""

    checkin_date: str
    quota_awarded: int


class CheckinStats(BaseModel):
    """All-time totals plus the requested month's rows."""

    total_quota: int
    total_checkins: int
    checkin_count: int
    """Check-ins in the requested month."""
    checked_in_today: bool
    records: list[CheckinRecord]


class CheckinStatus(BaseModel):
    """``GET /api/user/checkin``."""

    enabled: bool
    min_quota: int
    max_quota: int
    stats: CheckinStats


class GroupPublic(BaseModel):
    """A group the user may pick: its ratio for them (``"自动"`` for auto) and description."""

    ratio: float | str
    desc: str
