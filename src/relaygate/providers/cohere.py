"""Cohere through its OpenAI compatibility API: ``/compatibility/v1/chat/completions``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from relaygate.errors import UpstreamError
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import (
    ChannelTarget,
    ChannelType,
    EndpointCall,
    EndpointDialect,
    UpstreamRequest,
)
from relaygate.providers.openai_compatible import OpenAICompatible

if TYPE_CHECKING:
    from relaygate.providers.transport import Transport

COHERE_ENDPOINTS: Mapping[str, str] = {
    "/v1/rerank": "/v2/rerank",
    "/v1/embeddings": "/compatibility/v1/embeddings",
}
"""OpenAI endpoint → Cohere path: v2 rerank (converted), embeddings through compatibility."""


class Cohere(OpenAICompatible):
    """api.cohere.ai; the model list comes from Cohere's own ``/v1/models``."""

    channel_type: ClassVar[ChannelType] = ChannelType.COHERE
    default_base_url: ClassVar[str] = "https://api.cohere.ai"
    paths: ClassVar[Mapping[WireFormat, str]] = {
        WireFormat.OPENAI_CHAT: "/compatibility/v1/chat/completions",
    }
    models_path: ClassVar[str] = "/v1/models?page_size=1000&endpoint=chat"

    endpoints: ClassVar[frozenset[str]] = frozenset(COHERE_ENDPOINTS)

    def endpoint_dialect(self, path: str, model: str) -> EndpointDialect:
        return EndpointDialect.COHERE if path == "/v1/rerank" else EndpointDialect.OPENAI

    async def build_endpoint(
        self, target: ChannelTarget, call: EndpointCall, transport: Transport
    ) -> UpstreamRequest:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        headers.update(self.auth_headers(target))
        return UpstreamRequest(
            method="POST",
            url=self.base_url(target) + COHERE_ENDPOINTS[call.path],
            headers=self.apply_header_override(target, headers),
            body=call.body,
        )

    def model_names(self, payload: Any) -> list[str]:
        """Cohere answers ``{"models": [{"name": …}]}``; the OpenAI shape is accepted too."""
        if isinstance(payload, dict) and isinstance(payload.get("models"), list):
            return [
                str(item["name"])
                for item in payload["models"]
                if isinstance(item, dict) and "name" in item
            ]
        if isinstance(payload, dict) and "data" in payload:
            return super().model_names(payload)
        raise UpstreamError("upstream model list has no models array")
