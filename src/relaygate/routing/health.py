"""Channel health rules: which upstream failures are retried elsewhere, which disable the channel."""

from __future__ import annotations

from relaygate.errors import UpstreamError
from relaygate.providers.failures import channel_is_broken


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
    return channel_is_broken(error.status, error.error_code or "", error.message, extra_keywords)
