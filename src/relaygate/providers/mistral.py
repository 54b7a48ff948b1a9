"""Mistral AI: OpenAI-style chat completions at ``api.mistral.ai/v1``."""

from __future__ import annotations

from typing import ClassVar

from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


class Mistral(OpenAICompatible):
    """Mistral's La Plateforme API."""

    channel_type: ClassVar[ChannelType] = ChannelType.MISTRAL
    default_base_url: ClassVar[str] = "https://api.mistral.ai"
