"""OpenAI and every OpenAI-compatible vendor: ``{base}/v1/chat/completions`` with a Bearer key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from relaygate.errors import UpstreamError
from relaygate.protocols.formats import WireFormat
from relaygate.providers.anthropic import DEFAULT_VERSION as ANTHROPIC_VERSION
from relaygate.providers.base import (
    OPENAI_ENDPOINTS,
    ChannelTarget,
    ChannelType,
    EndpointCall,
    Provider,
    UpstreamCall,
    UpstreamRequest,
    fetch_json,
)

if TYPE_CHECKING:
    from relaygate.providers.transport import Transport

OPENAI_PATHS: Mapping[WireFormat, str] = {
    WireFormat.OPENAI_CHAT: "/v1/chat/completions",
    WireFormat.OPENAI_RESPONSES: "/v1/responses",
    WireFormat.ANTHROPIC_MESSAGES: "/anthropic/v1/messages",
}

SPECIAL_BASE_PATHS: Mapping[WireFormat, str] = {
    WireFormat.OPENAI_CHAT: "/chat/completions",
    WireFormat.OPENAI_RESPONSES: "/responses",
    WireFormat.ANTHROPIC_MESSAGES: "/v1/messages",
}
"""What new-api appends to a coding plan's per-format base URL (constant/channel.go)."""


class OpenAICompatible(Provider):
    """A vendor that speaks OpenAI's chat completions API.

    Subclasses change class attributes only: ``paths`` (request path per format, appended to
    the base URL), ``models_path``, and ``special_bases`` (new-api's coding-plan pseudo base
    URLs such as ``glm-coding-plan``, mapped to a full base URL per format).
    """

    channel_type: ClassVar[ChannelType] = ChannelType.OPENAI
    default_base_url: ClassVar[str] = "https://api.openai.com"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset({WireFormat.OPENAI_CHAT})
    paths: ClassVar[Mapping[WireFormat, str]] = OPENAI_PATHS
    models_path: ClassVar[str] = "/v1/models"
    special_bases: ClassVar[Mapping[str, Mapping[WireFormat, str]]] = {}
    requires_key: ClassVar[bool] = True
    """False for local servers (Ollama): no Authorization header without a key."""
    endpoints: ClassVar[frozenset[str]] = OPENAI_ENDPOINTS

    def path_for(self, fmt: WireFormat) -> str:
        """The request path for a format this vendor speaks."""
        return self.paths.get(fmt) or OPENAI_PATHS[fmt]

    def url_for(self, target: ChannelTarget, fmt: WireFormat, model: str = "") -> str:
        """Base URL + path; a base URL that already ends in the version segment is kept as is."""
        special = self.special_bases.get(target.base_url.strip())
        if special is not None and fmt in special:
            return special[fmt] + SPECIAL_BASE_PATHS[fmt]
        return join_versioned(self.base_url(target), self.path_for(fmt))

    def auth_headers(self, target: ChannelTarget) -> dict[str, str]:
        """Bearer auth plus the organization header when set."""
        headers: dict[str, str] = {}
        if target.key or self.requires_key:
            headers["Authorization"] = f"Bearer {target.key}"
        if target.organization and self.channel_type is ChannelType.OPENAI:
            headers["OpenAI-Organization"] = target.organization
        return headers

    def request_headers(self, target: ChannelTarget, call: UpstreamCall) -> dict[str, str]:
        """Content negotiation and auth for one call (Anthropic-format calls add their headers)."""
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if call.stream else "application/json",
            **self.auth_headers(target),
        }
        if call.fmt is WireFormat.ANTHROPIC_MESSAGES:
            # Vendors' Anthropic endpoints (DeepSeek, Moonshot, GLM) read x-api-key.
            headers["x-api-key"] = target.key
            headers["anthropic-version"] = (
                call.client_headers.get("anthropic-version") or ANTHROPIC_VERSION
            )
            beta = call.client_headers.get("anthropic-beta")
            if beta:
                headers["anthropic-beta"] = beta
        return headers

    async def build_request(
        self, target: ChannelTarget, call: UpstreamCall, transport: Transport
    ) -> UpstreamRequest:
        return UpstreamRequest(
            method="POST",
            url=self.url_for(target, call.fmt, call.model),
            headers=self.apply_header_override(target, self.request_headers(target, call)),
            body=call.body,
        )

    async def build_endpoint(
        self, target: ChannelTarget, call: EndpointCall, transport: Transport
    ) -> UpstreamRequest:
        headers = {
            "Content-Type": call.content_type,
            "Accept": "text/event-stream" if call.stream else "*/*",
            **self.auth_headers(target),
        }
        return UpstreamRequest(
            method="POST",
            url=join_versioned(self.base_url(target), call.path),
            headers=self.apply_header_override(target, headers),
            body=call.body,
        )

    def models_url(self, target: ChannelTarget) -> str:
        """Where the model list lives."""
        special = self.special_bases.get(target.base_url.strip())
        if special is not None and WireFormat.OPENAI_CHAT in special:
            return special[WireFormat.OPENAI_CHAT] + "/models"
        return join_versioned(self.base_url(target), self.models_path)

    def model_names(self, payload: Any) -> list[str]:
        """Model ids out of a ``{"data": [{"id": …}]}`` list."""
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list):
            raise UpstreamError("upstream model list has no data array")
        return [str(item["id"]) for item in data if isinstance(item, dict) and "id" in item]

    async def list_models(self, target: ChannelTarget, transport: Transport) -> list[str]:
        headers = {"Accept": "application/json", **self.auth_headers(target)}
        request = UpstreamRequest(
            method="GET",
            url=self.models_url(target),
            headers=self.apply_header_override(target, headers),
            body=b"",
        )
        payload = await fetch_json(transport, target, request)
        try:
            return self.model_names(payload)
        except UpstreamError as error:
            error.channel_id = target.channel_id
            raise


def join_versioned(base: str, path: str) -> str:
    """``base + path`` without doubling a ``/v1`` the base URL already ends with."""
    if base.endswith("/v1") and path.startswith("/v1/"):
        path = path[3:]
    return base + path


class OpenAI(OpenAICompatible):
    """OpenAI itself: chat completions and the Responses API natively."""

    native_formats: ClassVar[frozenset[WireFormat]] = frozenset(
        {WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES}
    )
