"""Azure OpenAI: per-deployment chat URLs with ``api-version``, the ``api-key`` header."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, ChannelType, EndpointCall, UpstreamRequest
from relaygate.providers.openai_compatible import OpenAICompatible

if TYPE_CHECKING:
    from relaygate.providers.transport import Transport

DEFAULT_API_VERSION = "2024-10-21"
KEEP_DOTS_SINCE = 1_746_835_200
"""2025-05-10 UTC: channels created since then keep dots in deployment names (new-api)."""

AZURE_ENDPOINTS: frozenset[str] = frozenset(
    {
        "/v1/completions",
        "/v1/embeddings",
        "/v1/images/generations",
        "/v1/images/edits",
        "/v1/audio/speech",
        "/v1/audio/transcriptions",
        "/v1/audio/translations",
    }
)
"""What an Azure deployment serves besides chat (no moderations, variations or rerank)."""


def api_version(target: ChannelTarget) -> str:
    """The channel's ``other`` field (new-api keeps the Azure version there), then settings."""
    configured = target.other.strip() or str(target.settings.get("api_version") or "").strip()
    return configured or DEFAULT_API_VERSION


def deployment_name(target: ChannelTarget, model: str) -> str:
    """The model name as a deployment: dots removed for channels older than the cut-off."""
    if target.created_time < KEEP_DOTS_SINCE:
        return model.replace(".", "")
    return model


class Azure(OpenAICompatible):
    """An Azure OpenAI resource (``https://{resource}.openai.azure.com``)."""

    channel_type: ClassVar[ChannelType] = ChannelType.AZURE
    default_base_url: ClassVar[str] = ""
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset(
        {WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES}
    )

    def url_for(self, target: ChannelTarget, fmt: WireFormat, model: str = "") -> str:
        base = self.base_url(target)
        version = api_version(target)
        if fmt is WireFormat.OPENAI_RESPONSES:
            # The v1 Responses route takes "preview"; AI Foundry (cognitiveservices) hosts
            # the dated one. settings.azure_responses_version overrides either.
            if "cognitiveservices.azure.com" in base:
                path, responses_version = "/openai/responses", version
            else:
                path, responses_version = "/openai/v1/responses", "preview"
            override = str(target.settings.get("azure_responses_version") or "").strip()
            return f"{base}{path}?api-version={override or responses_version}"
        deployment = deployment_name(target, model)
        return f"{base}/openai/deployments/{deployment}/chat/completions?api-version={version}"

    def auth_headers(self, target: ChannelTarget) -> dict[str, str]:
        return {"api-key": target.key}

    endpoints: ClassVar[frozenset[str]] = AZURE_ENDPOINTS

    async def build_endpoint(
        self, target: ChannelTarget, call: EndpointCall, transport: Transport
    ) -> UpstreamRequest:
        """``/openai/deployments/{deployment}/{embeddings|images/…|audio/…}?api-version=…``."""
        deployment = deployment_name(target, call.model)
        operation = call.path.removeprefix("/v1/")
        headers = {
            "Content-Type": call.content_type,
            "Accept": "text/event-stream" if call.stream else "*/*",
            **self.auth_headers(target),
        }
        return UpstreamRequest(
            method="POST",
            url=(
                f"{self.base_url(target)}/openai/deployments/{deployment}/{operation}"
                f"?api-version={api_version(target)}"
            ),
            headers=self.apply_header_override(target, headers),
            body=call.body,
        )

    def models_url(self, target: ChannelTarget) -> str:
        return f"{self.base_url(target)}/openai/models?api-version={api_version(target)}"
