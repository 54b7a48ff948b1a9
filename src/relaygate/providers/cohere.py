"""Cohere through its OpenAI compatibility API: ``/compatibility/v1/chat/completions``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from relaygate.errors import UpstreamError
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


class Cohere(OpenAICompatible):
    """api.cohere.ai; the model list comes from Cohere's own ``/v1/models``."""

    channel_type: ClassVar[ChannelType] = ChannelType.COHERE
    default_base_url: ClassVar[str] = "https://api.cohere.ai"
    paths: ClassVar[Mapping[WireFormat, str]] = {
        WireFormat.OPENAI_CHAT: "/compatibility/v1/chat/completions",
    }
    models_path: ClassVar[str] = "/v1/models?page_size=1000&endpoint=chat"

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
