"""DeepSeek: OpenAI chat at ``/v1/chat/completions``, Anthropic Messages under ``/anthropic``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


class DeepSeek(OpenAICompatible):
    """api.deepseek.com; its Anthropic endpoint takes Claude-format calls without conversion."""

    channel_type: ClassVar[ChannelType] = ChannelType.DEEPSEEK
    default_base_url: ClassVar[str] = "https://api.deepseek.com"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset(
        {WireFormat.OPENAI_CHAT, WireFormat.ANTHROPIC_MESSAGES}
    )
    paths: ClassVar[Mapping[WireFormat, str]] = {
        WireFormat.OPENAI_CHAT: "/v1/chat/completions",
        WireFormat.ANTHROPIC_MESSAGES: "/anthropic/v1/messages",
    }
