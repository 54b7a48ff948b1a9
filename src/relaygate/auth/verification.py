"""Secure verification (step-up): a recent second factor, recorded in the session.

``POST /api/verify`` (TOTP/backup code or a passkey assertion) stores ``secure_verified_at``
(Unix seconds) in the session, as new-api does; routes that reveal secrets (a token's key,
a channel's key) call :func:`verified_recently` before answering.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from relaygate.kit import clock

SESSION_VERIFIED_AT = "secure_verified_at"
SESSION_VERIFIED_METHOD = "secure_verified_method"
DEFAULT_MAX_AGE = 300
"""new-api's SecureVerificationTimeout: five minutes."""


def _session(request: Request) -> dict[str, Any] | None:
    if "session" not in request.scope:
        return None
    session: dict[str, Any] = request.session
    return session


def mark_verified(request: Request, method: str) -> int:
    """Record a successful step-up now; returns the timestamp stored."""
    session = _session(request)
    at = clock.now()
    if session is not None:
        session[SESSION_VERIFIED_AT] = at
        session[SESSION_VERIFIED_METHOD] = method
    return at


def clear_verified(request: Request) -> None:
    """Forget a step-up (logout, or the verification expired)."""
    session = _session(request)
    if session is not None:
        session.pop(SESSION_VERIFIED_AT, None)
        session.pop(SESSION_VERIFIED_METHOD, None)


def verified_at(request: Request) -> int | None:
    """When the session last passed a step-up, or None."""
    session = _session(request)
    if session is None:
        return None
    value = session.get(SESSION_VERIFIED_AT)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def verified_recently(request: Request, max_age: int = DEFAULT_MAX_AGE) -> bool:
    """True when this session passed a step-up within ``max_age`` seconds."""
    at = verified_at(request)
    if at is None:
        return False
    age = clock.now() - at
    return 0 <= age < max_age


def verified_method(request: Request) -> str | None:
    """Which factor the last step-up used (``2fa`` or ``passkey``)."""
    session = _session(request)
    value = session.get(SESSION_VERIFIED_METHOD) if session is not None else None
    return value if isinstance(value, str) else None


def verified_recently_with(request: Request, method: str, max_age: int = DEFAULT_MAX_AGE) -> bool:
    """A recent step-up done with ``method`` (new-api's requireSecureVerificationMethod)."""
    return verified_recently(request, max_age) and verified_method(request) == method


SESSION_PASSKEY_READY_AT = "secure_passkey_ready_at"
PASSKEY_READY_MAX_AGE = 60
"""A passkey assertion must be turned into a step-up by POST /api/verify within a minute."""


def mark_passkey_ready(request: Request) -> None:
    """A passkey assertion passed; POST /api/verify {method: passkey} may now finish."""
    session = _session(request)
    if session is not None:
        session[SESSION_PASSKEY_READY_AT] = clock.now()
        session.pop(SESSION_VERIFIED_AT, None)
        session.pop(SESSION_VERIFIED_METHOD, None)


def consume_passkey_ready(request: Request) -> bool:
    """Spend the passkey-ready mark; True when it existed and is fresh."""
    session = _session(request)
    if session is None:
        return False
    value = session.pop(SESSION_PASSKEY_READY_AT, None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return 0 <= clock.now() - int(value) < PASSKEY_READY_MAX_AGE
