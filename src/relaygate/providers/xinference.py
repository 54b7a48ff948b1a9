"""Xinference: a self-hosted OpenAI-compatible server (channel type 47); a key is optional.

Its rerank answer has no usage, so the relay counts the query and documents offline.
"""

from __future__ import annotations

from typing import ClassVar

from relaygate.providers.base import ChannelType, EndpointDialect
from relaygate.providers.openai_compatible import OpenAICompatible


class Xinference(OpenAICompatible):
    """``{base}/v1/…`` of an Xinference deployment."""

    channel_type: ClassVar[ChannelType] = ChannelType.XINFERENCE
    default_base_url: ClassVar[str] = "http://localhost:9997"
    requires_key: ClassVar[bool] = False
    endpoints: ClassVar[frozenset[str]] = frozenset(
        {
            "/v1/completions",
            "/v1/embeddings",
            "/v1/rerank",
            "/v1/images/generations",
            "/v1/audio/speech",
            "/v1/audio/transcriptions",
            "/v1/audio/translations",
        }
    )

    def endpoint_dialect(self, path: str, model: str) -> EndpointDialect:
        return EndpointDialect.XINFERENCE if path == "/v1/rerank" else EndpointDialect.OPENAI
