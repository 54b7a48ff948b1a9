"""Perplexity: chat completions at ``api.perplexity.ai/chat/completions`` (no ``/v1``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


class Perplexity(OpenAICompatible):
    """Perplexity's Sonar API; its Responses endpoint does live under ``/v1``."""

    channel_type: ClassVar[ChannelType] = ChannelType.PERPLEXITY
    default_base_url: ClassVar[str] = "https://api.perplexity.ai"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset(
        {WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES}
    )
    paths: ClassVar[Mapping[WireFormat, str]] = {
        WireFormat.OPENAI_CHAT: "/chat/completions",
        WireFormat.OPENAI_RESPONSES: "/v1/responses",
    }
