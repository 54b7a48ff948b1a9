"""xAI (Grok): OpenAI chat completions and the Responses API at ``api.x.ai/v1``."""

from __future__ import annotations

from typing import ClassVar

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


class XAI(OpenAICompatible):
    """xAI's API."""

    channel_type: ClassVar[ChannelType] = ChannelType.XAI
    default_base_url: ClassVar[str] = "https://api.x.ai"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset(
        {WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES}
    )
