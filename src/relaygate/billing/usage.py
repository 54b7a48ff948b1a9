"""Offline token estimates for reservations and for answers that carry no usage.

``estimate_tokens`` counts with the model's BPE vocabulary (``billing.tokenizer``, offline)
and falls back to the character heuristic when the tokenizer is unavailable.
``estimate_prompt_tokens`` stays a size heuristic on purpose: it prices reservations from the
raw JSON body, where base64 images would tokenize to far more than they are billed.
"""

from __future__ import annotations

from typing import Any

from relaygate.billing import tokenizer

_SKIPPED_KEYS = frozenset({"type", "role", "model"})


def _is_wide(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x9FFF  # CJK
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xF900 <= code <= 0xFAFF
    )


def heuristic_tokens(text: str) -> int:
    """About one token per CJK character and per four other characters (cl100k's averages)."""
    if not text:
        return 0
    wide = sum(1 for char in text if _is_wide(char))
    return wide + (len(text) - wide + 3) // 4


def estimate_tokens(text: str, model: str = "") -> int:
    """Tokens of ``text`` in ``model``'s vocabulary (cl100k when unknown), offline."""
    if not text:
        return 0
    counted = tokenizer.count(text, model)
    return counted if counted is not None else heuristic_tokens(text)


def estimate_value_tokens(value: Any, model: str = "") -> int:
    """Tokens of every string inside a JSON value (keys ``type``, ``role``, ``model`` skipped)."""
    return estimate_tokens("\n".join(_strings(value)), model)


def _strings(value: Any) -> list[str]:
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            stack.extend(v for k, v in reversed(item.items()) if k not in _SKIPPED_KEYS)
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return out


def estimate_prompt_tokens(body: bytes) -> int:
    """A cheap upper-leaning estimate of a request's prompt from its JSON size."""
    return max(1, len(body) // 4)
