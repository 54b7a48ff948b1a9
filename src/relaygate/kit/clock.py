"""Time helpers: new-api stores Unix seconds in BIGINT columns."""

from __future__ import annotations

import time


def now() -> int:
    """Current Unix time in whole seconds."""
    return int(time.time())


def monotonic() -> float:
    """Monotonic seconds, for durations."""
    return time.monotonic()
