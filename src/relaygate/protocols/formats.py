"""The wire formats clients and upstreams speak."""

from __future__ import annotations

from enum import StrEnum


class WireFormat(StrEnum):
    """One client- or upstream-facing API format."""

    OPENAI_CHAT = "openai_chat"
    OPENAI_RESPONSES = "openai_responses"
    ANTHROPIC_MESSAGES = "anthropic_messages"
    GEMINI = "gemini"
