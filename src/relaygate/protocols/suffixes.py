"""Model-name suffixes that switch thinking on or off for Claude and Gemini targets.

``claude-sonnet-4-5-thinking`` enables thinking with the default budget,
``gemini-2.5-flash-thinking-4096`` enables it with a 4096-token budget, and
``gemini-2.5-flash-nothinking`` disables it (new-api's convention).
"""

from __future__ import annotations

import re

from relaygate.protocols.ir import Reasoning, Request
from relaygate.protocols.reasoning import EFFORT_BUDGETS

DEFAULT_SUFFIX_BUDGET = EFFORT_BUDGETS["medium"]
"""Budget for a bare ``-thinking`` suffix."""

_SUFFIX = re.compile(r"^(?P<base>.+?)-(?:(?P<off>nothinking)|thinking(?:-(?P<budget>\d+))?)$")


def split_thinking_suffix(model: str) -> tuple[str, Reasoning | None]:
    """The model without its suffix, and the reasoning the suffix asks for (``None``: no suffix)."""
    match = _SUFFIX.match(model)
    if match is None:
        return model, None
    if match["off"]:
        return match["base"], Reasoning(enabled=False, budget_tokens=0)
    budget = int(match["budget"]) if match["budget"] else DEFAULT_SUFFIX_BUDGET
    return match["base"], Reasoning(enabled=True, budget_tokens=budget, include_thoughts=True)


def apply_thinking_suffix(request: Request) -> bool:
    """Strip a thinking suffix from ``request.model`` and apply it; ``True`` if there was one."""
    base, reasoning = split_thinking_suffix(request.model)
    if reasoning is None:
        return False
    request.model = base
    request.reasoning = reasoning
    return True
