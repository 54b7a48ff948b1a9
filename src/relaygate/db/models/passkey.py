"""``passkey_credentials``: one WebAuthn credential per user (new-api model/passkey.go).

Binary fields are standard base64 text, as new-api stores them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base
from relaygate.db.models.two_fa import UtcDateTime


class PasskeyCredential(Base):
    __tablename__ = "passkey_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, unique=True, index=True)
    credential_id: Mapped[str] = mapped_column(String(512), unique=True, index=True)
    public_key: Mapped[str] = mapped_column(Text)
    attestation_type: Mapped[str] = mapped_column(String(255), default="")
    aaguid: Mapped[str] = mapped_column(String(512), default="")
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    clone_warning: Mapped[bool] = mapped_column(Boolean, default=False)
    user_present: Mapped[bool] = mapped_column(Boolean, default=False)
    user_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    backup_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    backup_state: Mapped[bool] = mapped_column(Boolean, default=False)
    transports: Mapped[str] = mapped_column(Text, default="")
    attachment: Mapped[str] = mapped_column(String(32), default="")
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
