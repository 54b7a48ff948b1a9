"""Translating reasoning controls between effort levels and token budgets."""

from __future__ import annotations

from relaygate.protocols.ir import Reasoning

EFFORT_BUDGETS: dict[str, int] = {
    "minimal": 1024,
    "low": 2048,
    "medium": 8192,
    "high": 24576,
    "xhigh": 32768,
    "max": 32768,
}
"""Token budget used for each effort level when the target wants a budget."""

MIN_CLAUDE_BUDGET = 1024
"""Anthropic rejects ``budget_tokens`` below this."""


def budget_for(reasoning: Reasoning) -> int | None:
    """The budget the client meant: its own, else one derived from effort; ``None`` if neither."""
    if reasoning.budget_tokens is not None and reasoning.budget_tokens >= 0:
        return reasoning.budget_tokens
    if reasoning.effort is not None:
        return EFFORT_BUDGETS.get(reasoning.effort, EFFORT_BUDGETS["medium"])
    return None


def effort_for(reasoning: Reasoning) -> str | None:
    """The effort level the client meant: its own, else one derived from the budget."""
    if reasoning.effort is not None:
        return reasoning.effort
    budget = reasoning.budget_tokens
    if budget is None or budget < 0:
        return "medium" if reasoning.enabled or reasoning.adaptive else None
    if budget == 0:
        return None
    if budget <= EFFORT_BUDGETS["low"]:
        return "low"
    if budget <= EFFORT_BUDGETS["medium"]:
        return "medium"
    return "high"


def is_off(reasoning: Reasoning | None) -> bool:
    """The client explicitly turned thinking off."""
    if reasoning is None:
        return False
    return reasoning.enabled is False or reasoning.budget_tokens == 0 or reasoning.effort == "none"
