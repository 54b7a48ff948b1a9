"""TOTP second factor (pyotp) with one-time backup codes, as new-api's model/twofa.go.

Rules kept from new-api: 6-digit SHA-1 codes every 30 s, 4 backup codes ``XXXX-XXXX`` stored
as bcrypt hashes, 5 failures lock the factor for 5 minutes. Added here: the secret is encrypted
at rest, and an accepted time step is remembered so a code cannot be used twice (replay).
Both "used" marks are conditional UPDATEs, so two racing requests cannot spend one code.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pyotp
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.auth.passwords import hash_password_async, verify_password_async
from relaygate.db.models.two_fa import TwoFA, TwoFABackupCode, utcnow
from relaygate.db.models.user import User
from relaygate.errors import ApiRefused
from relaygate.kit.crypto import SecretBox

PERIOD = 30
DIGITS = 6
VALID_WINDOW = 1
"""Steps accepted either side of now (±30 s of clock drift)."""
BACKUP_CODE_LENGTH = 8
BACKUP_CODE_COUNT = 4
MAX_FAIL_ATTEMPTS = 5
LOCKOUT_SECONDS = 300
_BACKUP_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

WRONG_CODE = "验证码或备用码错误，请重试"
NOT_ENABLED = "用户未启用2FA"


@dataclass(frozen=True, slots=True)
class SetupResult:
    """What setup shows the user once: the secret, its otpauth URI, and the backup codes."""

    secret: str
    qr_code_data: str
    backup_codes: list[str]


def generate_secret() -> str:
    """A random base32 secret (160 bits, as pquerna/otp)."""
    return pyotp.random_base32(32)


def qr_code_data(secret: str, username: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app scans (new-api's GenerateQRCodeData)."""
    account = f"{username} ({issuer})"
    return (
        f"otpauth://totp/{quote(issuer)}:{quote(account)}?secret={secret}"
        f"&issuer={quote(issuer)}&digits={DIGITS}&period={PERIOD}"
    )


def generate_backup_codes() -> list[str]:
    """Fresh ``XXXX-XXXX`` codes."""
    codes = []
    for _ in range(BACKUP_CODE_COUNT):
        raw = "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
        codes.append(f"{raw[:4]}-{raw[4:]}")
    return codes


def clean_numeric_code(code: str) -> str | None:
    """The 6-digit code without spaces, or None when it is not one."""
    cleaned = code.replace(" ", "")
    if len(cleaned) != DIGITS or not cleaned.isdigit():
        return None
    return cleaned


def normalize_backup_code(code: str) -> str | None:
    """``xxxx-xxxx`` / ``XXXXXXXX`` → ``XXXX-XXXX``, or None when it cannot be a backup code."""
    cleaned = code.replace("-", "").replace(" ", "").upper()
    if len(cleaned) != BACKUP_CODE_LENGTH or any(c not in _BACKUP_ALPHABET for c in cleaned):
        return None
    return f"{cleaned[:4]}-{cleaned[4:]}"


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step within the window whose code equals ``code``, or None."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)
    current = int((time.time() if now is None else now) // PERIOD)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


# ----------------------------------------------------------------------------- storage


async def get(session: AsyncSession, user_id: int) -> TwoFA | None:
    """The user's 2FA row (set up or enabled), or None."""
    stmt = select(TwoFA).where(TwoFA.user_id == user_id, TwoFA.deleted_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


async def is_enabled(session: AsyncSession, user_id: int) -> bool:
    """Whether login needs a second factor for this user."""
    row = await get(session, user_id)
    return row is not None and row.is_enabled


async def _delete(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(TwoFABackupCode).where(TwoFABackupCode.user_id == user_id))
    await session.execute(delete(TwoFA).where(TwoFA.user_id == user_id))


async def _store_backup_codes(session: AsyncSession, user_id: int, codes: list[str]) -> None:
    await session.execute(delete(TwoFABackupCode).where(TwoFABackupCode.user_id == user_id))
    now = utcnow()
    for code in codes:
        session.add(
            TwoFABackupCode(
                user_id=user_id,
                code_hash=await hash_password_async(code),
                is_used=False,
                created_at=now,
            )
        )
    await session.flush()


def is_locked(row: TwoFA) -> bool:
    """Whether too many failures locked the factor for now."""
    return row.locked_until is not None and utcnow() < row.locked_until


async def unused_backup_codes(session: AsyncSession, user_id: int) -> int:
    """How many backup codes are left."""
    stmt = select(func.count(TwoFABackupCode.id)).where(
        TwoFABackupCode.user_id == user_id,
        TwoFABackupCode.is_used.is_(False),
        TwoFABackupCode.deleted_at.is_(None),
    )
    return int((await session.execute(stmt)).scalar_one())


# ----------------------------------------------------------------------------- checks


async def _failed(session: AsyncSession, row: TwoFA) -> None:
    row.failed_attempts = (row.failed_attempts or 0) + 1
    if row.failed_attempts >= MAX_FAIL_ATTEMPTS:
        row.locked_until = utcnow() + timedelta(seconds=LOCKOUT_SECONDS)
    row.updated_at = utcnow()
    await session.flush()


async def _succeeded(session: AsyncSession, row: TwoFA) -> None:
    row.failed_attempts = 0
    row.locked_until = None
    row.last_used_at = utcnow()
    row.updated_at = row.last_used_at
    await session.flush()


def _ensure_unlocked(row: TwoFA) -> None:
    if is_locked(row):
        assert row.locked_until is not None
        until = row.locked_until.strftime("%Y-%m-%d %H:%M:%S")
        raise ApiRefused(f"账户已被锁定，请在{until}后重试")


async def _spend_step(session: AsyncSession, row: TwoFA, step: int) -> bool:
    result = await session.execute(
        update(TwoFA)
        .where(TwoFA.id == row.id, TwoFA.last_used_step < step)
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    spent = bool(getattr(result, "rowcount", 0))
    if spent:
        row.last_used_step = step
    return spent


async def check_totp(session: AsyncSession, box: SecretBox, row: TwoFA, code: str) -> bool:
    """A TOTP code not used before; counts a failure (and may lock) when wrong."""
    _ensure_unlocked(row)
    cleaned = clean_numeric_code(code)
    step = matching_step(box.decrypt(row.secret), cleaned) if cleaned else None
    if step is None or not await _spend_step(session, row, step):
        await _failed(session, row)
        return False
    await _succeeded(session, row)
    return True


async def check_backup_code(session: AsyncSession, row: TwoFA, code: str) -> bool:
    """An unused backup code, which is spent; counts a failure when wrong."""
    _ensure_unlocked(row)
    normalized = normalize_backup_code(code)
    if normalized is None:
        await _failed(session, row)
        return False
    stmt = select(TwoFABackupCode).where(
        TwoFABackupCode.user_id == row.user_id,
        TwoFABackupCode.is_used.is_(False),
        TwoFABackupCode.deleted_at.is_(None),
    )
    for candidate in (await session.execute(stmt)).scalars().all():
        if not await verify_password_async(normalized, candidate.code_hash):
            continue
        result = await session.execute(
            update(TwoFABackupCode)
            .where(TwoFABackupCode.id == candidate.id, TwoFABackupCode.is_used.is_(False))
            .values(is_used=True, used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0):
            await _succeeded(session, row)
            return True
    await _failed(session, row)
    return False


async def check_code(session: AsyncSession, box: SecretBox, row: TwoFA, code: str) -> bool:
    """A TOTP code, else a backup code (new-api's validateTwoFactorAuth)."""
    if clean_numeric_code(code) is not None:
        return await check_totp(session, box, row, code)
    return await check_backup_code(session, row, code)


# ----------------------------------------------------------------------------- flows


async def setup(session: AsyncSession, box: SecretBox, user_id: int, issuer: str) -> SetupResult:
    """Start (or restart) setup: a new secret and backup codes, not yet enabled."""
    existing = await get(session, user_id)
    if existing is not None and existing.is_enabled:
        raise ApiRefused("用户已启用2FA，请先禁用后重新设置")
    user = await session.get(User, user_id)
    if user is None:
        raise ApiRefused("用户不存在")
    if existing is not None:
        await _delete(session, user_id)
    secret = generate_secret()
    now = utcnow()
    session.add(
        TwoFA(
            user_id=user_id,
            secret=box.encrypt(secret),
            is_enabled=False,
            failed_attempts=0,
            last_used_step=0,
            created_at=now,
            updated_at=now,
        )
    )
    codes = generate_backup_codes()
    await _store_backup_codes(session, user_id, codes)
    return SetupResult(secret, qr_code_data(secret, user.username, issuer), codes)


async def enable(session: AsyncSession, box: SecretBox, user_id: int, code: str) -> bool:
    """Turn 2FA on once the user proves the authenticator works; False on a wrong code.

    Wrong codes return False rather than raise, so the caller commits the failure count.
    """
    row = await get(session, user_id)
    if row is None:
        raise ApiRefused("请先完成2FA初始化设置")
    if row.is_enabled:
        raise ApiRefused("2FA已经启用")
    if clean_numeric_code(code) is None:
        raise ApiRefused("验证码必须是6位数字")
    if not await check_totp(session, box, row, code):
        return False
    row.is_enabled = True
    return True


async def enabled_row(session: AsyncSession, user_id: int) -> TwoFA:
    """The enabled 2FA row, or the "not enabled" refusal."""
    row = await get(session, user_id)
    if row is None or not row.is_enabled:
        raise ApiRefused(NOT_ENABLED)
    return row


async def disable(session: AsyncSession, box: SecretBox, user_id: int, code: str) -> bool:
    """Turn 2FA off with a TOTP or backup code; False on a wrong code."""
    row = await enabled_row(session, user_id)
    if not await check_code(session, box, row, code):
        return False
    await _delete(session, user_id)
    return True


async def regenerate_backup_codes(
    session: AsyncSession, box: SecretBox, user_id: int, code: str
) -> list[str] | None:
    """New backup codes (old ones die) after a TOTP code; None on a wrong code."""
    row = await enabled_row(session, user_id)
    if clean_numeric_code(code) is None:
        raise ApiRefused("验证码必须是6位数字")
    if not await check_totp(session, box, row, code):
        return None
    codes = generate_backup_codes()
    await _store_backup_codes(session, user_id, codes)
    return codes


async def status(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """``{enabled, locked, backup_codes_remaining?}``."""
    row = await get(session, user_id)
    data: dict[str, Any] = {"enabled": False, "locked": False}
    if row is not None:
        data["enabled"] = row.is_enabled
        data["locked"] = is_locked(row)
        if row.is_enabled:
            data["backup_codes_remaining"] = await unused_backup_codes(session, user_id)
    return data


async def force_disable(session: AsyncSession, user_id: int) -> None:
    """Admin reset: drop the factor and its codes."""
    if await get(session, user_id) is None:
        raise ApiRefused(NOT_ENABLED)
    await _delete(session, user_id)


async def stats(session: AsyncSession) -> dict[str, Any]:
    """``{total_users, enabled_users, enabled_rate}`` (new-api's GetTwoFAStats)."""
    total = int((await session.execute(select(func.count(User.id)))).scalar_one())
    enabled = int(
        (
            await session.execute(
                select(func.count(TwoFA.id)).where(
                    TwoFA.is_enabled.is_(True), TwoFA.deleted_at.is_(None)
                )
            )
        ).scalar_one()
    )
    rate = enabled / total * 100 if total else 0.0
    return {"total_users": total, "enabled_users": enabled, "enabled_rate": f"{rate:.1f}%"}


SESSION_PENDING_USER_ID = "pending_user_id"
SESSION_PENDING_USERNAME = "pending_username"


def pending_login(user_id: int, username: str) -> dict[str, Any]:
    """Session keys new-api sets when a password login still needs the second factor."""
    return {SESSION_PENDING_USER_ID: user_id, SESSION_PENDING_USERNAME: username}
