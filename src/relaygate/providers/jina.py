"""Jina AI: embeddings and rerank at ``api.jina.ai/v1`` with a Bearer key (channel type 38)."""

from __future__ import annotations

from typing import ClassVar

from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


class Jina(OpenAICompatible):
    """Jina's rerank answer is the shape the gateway relays (``results`` + ``usage``)."""

    channel_type: ClassVar[ChannelType] = ChannelType.JINA
    default_base_url: ClassVar[str] = "https://api.jina.ai"
    endpoints: ClassVar[frozenset[str]] = frozenset({"/v1/embeddings", "/v1/rerank"})
