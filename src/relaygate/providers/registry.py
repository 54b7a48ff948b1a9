"""Channel type → provider. A new channel type is one provider module plus one line here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from relaygate.providers.anthropic import Anthropic
from relaygate.providers.base import ChannelType, Provider
from relaygate.providers.gemini import Gemini
from relaygate.providers.openai_compatible import OpenAI, OpenAICompatible

PROVIDERS: Final[Mapping[int, Provider]] = {
    ChannelType.OPENAI: OpenAI(),
    ChannelType.CUSTOM: OpenAICompatible(),
    ChannelType.ANTHROPIC: Anthropic(),
    ChannelType.GEMINI: Gemini(),
}


def provider_for(channel_type: int) -> Provider:
    """The provider for a channel type; unknown types are treated as OpenAI-compatible."""
    return PROVIDERS.get(channel_type) or PROVIDERS[ChannelType.CUSTOM]
