"""``two_fas`` and ``two_fa_backup_codes``: TOTP second factor (new-api model/twofa.go).

new-api keeps these times as timestamps, not Unix seconds, so the columns are ``DateTime``
(always timezone-aware UTC here, see :class:`UtcDateTime`). ``last_used_step`` is relaygate's:
the TOTP time step last accepted, so one code cannot be replayed inside its window.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from relaygate.db.base import Base


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always read and written as an aware UTC ``datetime``.

    SQLite keeps no offset, so naive values read back are taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError("UtcDateTime needs a datetime")
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        return moment.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(moment, datetime):
            raise TypeError("UtcDateTime read a non-datetime value")
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


def utcnow() -> datetime:
    """Now, aware UTC, for the DateTime columns."""
    return datetime.now(UTC)


class TwoFA(Base):
    __tablename__ = "two_fas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, unique=True, index=True)
    secret: Mapped[str] = mapped_column(String(255))
    """The base32 TOTP secret, encrypted with the runtime's SecretBox."""
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_used_step: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)


class TwoFABackupCode(Base):
    __tablename__ = "two_fa_backup_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    """bcrypt of the normalised ``XXXX-XXXX`` code, as new-api."""
    is_used: Mapped[bool] = mapped_column(Boolean, default=False)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
