"""OpenRouter: OpenAI chat completions and Responses under ``openrouter.ai/api/v1``."""

from __future__ import annotations

from typing import ClassVar

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


class OpenRouter(OpenAICompatible):
    """OpenRouter's API (new-api reuses its OpenAI adaptor)."""

    channel_type: ClassVar[ChannelType] = ChannelType.OPENROUTER
    default_base_url: ClassVar[str] = "https://openrouter.ai/api"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset(
        {WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES}
    )
