"""Google's Gemini API: ``{base}/v1beta/models/{model}:generateContent`` with ``x-goog-api-key``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from urllib.parse import quote

from relaygate.errors import UpstreamError
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import (
    ChannelTarget,
    ChannelType,
    Provider,
    UpstreamCall,
    UpstreamRequest,
    fetch_json,
)

if TYPE_CHECKING:
    from relaygate.providers.transport import Transport

MAX_PAGES = 100


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

    def versioned_base(self, target: ChannelTarget) -> str:
        """The base URL with its API version segment."""
        base = self.base_url(target)
        version = str(target.settings.get("api_version") or self.api_version)
        if not base.endswith(("/v1beta", "/v1")):
            base = f"{base}/{version}"
        return base

    async def build_request(
        self, target: ChannelTarget, call: UpstreamCall, transport: Transport
    ) -> UpstreamRequest:
        base = self.versioned_base(target)
        headers = {"Content-Type": "application/json", "x-goog-api-key": target.key}
        return UpstreamRequest(
            method="POST",
            url=base + gemini_path(call.model, call.stream),
            headers=self.apply_header_override(target, headers),
            body=call.body,
        )

    async def list_models(self, target: ChannelTarget, transport: Transport) -> list[str]:
        url = self.versioned_base(target) + "/models?pageSize=1000"
        headers = self.apply_header_override(target, {"x-goog-api-key": target.key})
        names: list[str] = []
        token = ""
        for _page in range(MAX_PAGES):
            page_url = f"{url}&pageToken={quote(token, safe='')}" if token else url
            payload = await fetch_json(
                transport, target, UpstreamRequest("GET", page_url, headers, b"")
            )
            models = payload.get("models") if isinstance(payload, dict) else None
            if not isinstance(models, list):
                raise UpstreamError(
                    "upstream model list has no models array", channel_id=target.channel_id
                )
            for model in models:
                if isinstance(model, dict) and isinstance(model.get("name"), str):
                    names.append(model["name"].removeprefix("models/"))
            token = str(payload.get("nextPageToken") or "")
            if not token:
                break
        return names
