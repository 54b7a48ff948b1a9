"""Offline token estimates for reservations and for streams cut before the upstream sent usage."""

from __future__ import annotations


def _is_wide(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x9FFF  # CJK
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xF900 <= code <= 0xFAFF
    )


def estimate_tokens(text: str) -> int:
    """About one token per CJK character and per four other characters (cl100k's averages)."""
    if not text:
        return 0
    wide = sum(1 for char in text if _is_wide(char))
    return wide + (len(text) - wide + 3) // 4


def estimate_prompt_tokens(body: bytes) -> int:
    """A cheap upper-leaning estimate of a request's prompt from its JSON size."""
    return max(1, len(body) // 4)
