"""SiliconFlow: OpenAI-style chat completions at ``api.siliconflow.cn/v1``."""

from __future__ import annotations

from typing import ClassVar

from relaygate.providers.base import ChannelType, EndpointDialect
from relaygate.providers.openai_compatible import OpenAICompatible


class SiliconFlow(OpenAICompatible):
    """SiliconFlow's API."""

    channel_type: ClassVar[ChannelType] = ChannelType.SILICONFLOW
    default_base_url: ClassVar[str] = "https://api.siliconflow.cn"
    endpoints: ClassVar[frozenset[str]] = frozenset(
        {
            "/v1/embeddings",
            "/v1/rerank",
            "/v1/images/generations",
            "/v1/audio/speech",
            "/v1/audio/transcriptions",
        }
    )

    def endpoint_dialect(self, path: str, model: str) -> EndpointDialect:
        """Rerank answers carry ``meta.tokens`` instead of ``usage``."""
        return EndpointDialect.SILICONFLOW if path == "/v1/rerank" else EndpointDialect.OPENAI
