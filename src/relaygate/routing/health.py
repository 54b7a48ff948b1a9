"""Channel health rules: which upstream failures are retried elsewhere, which disable the channel."""

from __future__ import annotations

from relaygate.errors import UpstreamError

_DISABLING_PHRASES = (
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


def is_retryable(error: UpstreamError) -> bool:
    """Failures another channel may not share: connect errors, timeouts, 401/403/408/429, 5xx."""
    if not error.retryable:
        return False
    status = error.status
    return status in (401, 403, 408, 429) or status >= 500


def should_disable(error: UpstreamError, extra_keywords: str = "") -> bool:
    """The channel itself is broken (bad key, no credit): new-api's ShouldDisableChannel rules."""
    if error.disables_channel:
        return True
    if error.status in (401, 403):
        return True
    message = error.message.lower()
    if error.status == 429 and "insufficient_quota" in (error.error_code or "").lower():
        return True
    phrases = [*_DISABLING_PHRASES, *(k.strip().lower() for k in extra_keywords.splitlines())]
    return any(phrase and phrase in message for phrase in phrases)
