"""Google's Gemini API: ``{base}/v1beta/models/{model}:generateContent`` with ``x-goog-api-key``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from urllib.parse import quote

from relaygate.errors import UpstreamError
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import (
    ChannelTarget,
    ChannelType,
    EndpointCall,
    EndpointDialect,
    Provider,
    UpstreamCall,
    UpstreamRequest,
    fetch_json,
)

if TYPE_CHECKING:
    from relaygate.providers.transport import Transport

MAX_PAGES = 100

GEMINI_EMBED = ":embedContent"
GEMINI_BATCH_EMBED = ":batchEmbedContents"
"""Gemini's own embed methods, relayed as they are (``EndpointCall.path`` for Gemini clients)."""

GOOGLE_ENDPOINTS: frozenset[str] = frozenset(
    {"/v1/embeddings", "/v1/images/generations", "/v1/audio/speech"}
)
"""OpenAI endpoints served by converting to Google's methods (relay/endpoint_convert.py)."""


def google_verb(path: str, model: str) -> str:
    """The model method an OpenAI endpoint maps to: Imagen predicts, the rest generate."""
    if path in (GEMINI_EMBED, GEMINI_BATCH_EMBED):
        return path[1:]
    if path == "/v1/embeddings":
        return "batchEmbedContents"
    if path == "/v1/images/generations" and model.startswith("imagen"):
        return "predict"
    return "generateContent"


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

    endpoints: ClassVar[frozenset[str]] = GOOGLE_ENDPOINTS | {GEMINI_EMBED, GEMINI_BATCH_EMBED}

    def endpoint_dialect(self, path: str, model: str) -> EndpointDialect:
        return EndpointDialect.GEMINI

    async def build_endpoint(
        self, target: ChannelTarget, call: EndpointCall, transport: Transport
    ) -> UpstreamRequest:
        """``{base}/v1beta/models/{model}:{verb}``; the body is already in Gemini's shape."""
        url = f"{self.versioned_base(target)}/models/{call.model}:{google_verb(call.path, call.model)}"
        headers = {"Content-Type": "application/json", "x-goog-api-key": target.key}
        return UpstreamRequest(
            method="POST",
            url=url,
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
