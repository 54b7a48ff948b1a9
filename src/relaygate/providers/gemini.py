"""Google's Gemini API: ``{base}/v1beta/models/{model}:generateContent`` with ``x-goog-api-key``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import (
    ChannelTarget,
    ChannelType,
    Provider,
    UpstreamCall,
    UpstreamRequest,
)

if TYPE_CHECKING:
    from relaygate.providers.transport import Transport


def gemini_path(model: str, stream: bool) -> str:
    """The method path for one model: streaming asks for SSE (``alt=sse``)."""
    if stream:
        return f"/models/{model}:streamGenerateContent?alt=sse"
    return f"/models/{model}:generateContent"


class Gemini(Provider):
    """Gemini models on the Generative Language API."""

    channel_type: ClassVar[ChannelType] = ChannelType.GEMINI
    default_base_url: ClassVar[str] = "https://generativelanguage.googleapis.com"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset({WireFormat.GEMINI})
    api_version: ClassVar[str] = "v1beta"

    async def build_request(
        self, target: ChannelTarget, call: UpstreamCall, transport: Transport
    ) -> UpstreamRequest:
        base = self.base_url(target)
        version = str(target.settings.get("api_version") or self.api_version)
        if not base.endswith(("/v1beta", "/v1")):
            base = f"{base}/{version}"
        headers = {"Content-Type": "application/json", "x-goog-api-key": target.key}
        return UpstreamRequest(
            method="POST",
            url=base + gemini_path(call.model, call.stream),
            headers=self.apply_header_override(target, headers),
            body=call.body,
        )
