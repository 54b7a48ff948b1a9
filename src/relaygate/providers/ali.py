"""Alibaba DashScope (Qwen) in compatible mode: ``/compatible-mode/v1/chat/completions``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible

ANTHROPIC_MODEL_PATTERNS = ("qwen", "deepseek-v4", "kimi", "glm", "minimax-m")
"""Model-name fragments DashScope's Anthropic endpoint serves (new-api's default list)."""


class Ali(OpenAICompatible):
    """dashscope.aliyuncs.com: chat, Responses, and Anthropic Messages for the models above."""

    channel_type: ClassVar[ChannelType] = ChannelType.ALI
    default_base_url: ClassVar[str] = "https://dashscope.aliyuncs.com"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset(
        {WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES}
    )
    paths: ClassVar[Mapping[WireFormat, str]] = {
        WireFormat.OPENAI_CHAT: "/compatible-mode/v1/chat/completions",
        WireFormat.OPENAI_RESPONSES: "/api/v2/apps/protocols/compatible-mode/v1/responses",
        WireFormat.ANTHROPIC_MESSAGES: "/apps/anthropic/v1/messages",
    }
    models_path: ClassVar[str] = "/compatible-mode/v1/models"

    def native_formats_for(self, model: str) -> frozenset[WireFormat]:
        name = model.strip().lower()
        if any(pattern in name for pattern in ANTHROPIC_MODEL_PATTERNS):
            return self.native_formats | {WireFormat.ANTHROPIC_MESSAGES}
        return self.native_formats
