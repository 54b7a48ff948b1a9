"""Which upstream failures mean the channel itself is broken (bad key, no credit, banned).

One list for the relay's auto-disable and the channel test (new-api's ShouldDisableChannel).
"""

from __future__ import annotations

from typing import Final

DISABLING_PHRASES: Final[tuple[str, ...]] = (
    "your credit balance is too low",
    "this organization has been disabled",
    "you exceeded your current quota",
    "insufficient_quota",
    "permission denied",
    "the security token included in the request is invalid",
    "operation not allowed",
    "your account is not authorized",
    "api key not valid",
    "invalid api key",
    "incorrect api key",
    "billing_not_active",
    "已欠费",
    "余额不足",
    "access denied",
)


def channel_is_broken(status: int, code: str, message: str, extra_keywords: str = "") -> bool:
    """401/403, a 429 that says the quota is gone, or a message with a disabling phrase."""
    if status in (401, 403):
        return True
    if status == 429 and "insufficient_quota" in (code or "").lower():
        return True
    text = message.lower()
    phrases = [*DISABLING_PHRASES, *(k.strip().lower() for k in extra_keywords.splitlines())]
    return any(phrase and phrase in text for phrase in phrases)
