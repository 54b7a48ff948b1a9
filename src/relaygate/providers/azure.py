"""Azure OpenAI: per-deployment chat URLs with ``api-version``, the ``api-key`` header."""

from __future__ import annotations

from typing import ClassVar

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible

DEFAULT_API_VERSION = "2024-10-21"
KEEP_DOTS_SINCE = 1_746_835_200
"""2025-05-10 UTC: channels created since then keep dots in deployment names (new-api)."""


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

    def models_url(self, target: ChannelTarget) -> str:
        return f"{self.base_url(target)}/openai/models?api-version={api_version(target)}"
