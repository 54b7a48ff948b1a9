"""VolcEngine Ark (Doubao): ``/api/v3/chat/completions``; ``bot-…`` models use the bots path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

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

ARK_ENDPOINTS: Mapping[str, str] = {
    "/v1/embeddings": "/api/v3/embeddings",
    "/v1/images/generations": "/api/v3/images/generations",
    "/v1/images/edits": "/api/v3/images/generations",
}
"""OpenAI endpoint → Ark path; Seedream edits are generations with ``image`` set (new-api)."""


class VolcEngine(OpenAICompatible):
    """ark.cn-beijing.volces.com, or the Doubao coding plan (base URL ``doubao-coding-plan``)."""

    channel_type: ClassVar[ChannelType] = ChannelType.VOLCENGINE
    default_base_url: ClassVar[str] = "https://ark.cn-beijing.volces.com"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset(
        {WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES}
    )
    paths: ClassVar[Mapping[WireFormat, str]] = {
        WireFormat.OPENAI_CHAT: "/api/v3/chat/completions",
        WireFormat.OPENAI_RESPONSES: "/api/v3/responses",
    }
    special_bases: ClassVar[Mapping[str, Mapping[WireFormat, str]]] = {
        "doubao-coding-plan": {
            WireFormat.OPENAI_CHAT: "https://ark.cn-beijing.volces.com/api/coding/v3",
            WireFormat.ANTHROPIC_MESSAGES: "https://ark.cn-beijing.volces.com/api/coding",
        },
    }

    endpoints: ClassVar[frozenset[str]] = frozenset(ARK_ENDPOINTS)

    def endpoint_dialect(self, path: str, model: str) -> EndpointDialect:
        return EndpointDialect.SEEDREAM if path == "/v1/images/edits" else EndpointDialect.OPENAI

    async def build_endpoint(
        self, target: ChannelTarget, call: EndpointCall, transport: Transport
    ) -> UpstreamRequest:
        headers = {"Content-Type": "application/json", "Accept": "*/*", **self.auth_headers(target)}
        return UpstreamRequest(
            method="POST",
            url=self.base_url(target) + ARK_ENDPOINTS[call.path],
            headers=self.apply_header_override(target, headers),
            body=call.body,
        )

    def url_for(self, target: ChannelTarget, fmt: WireFormat, model: str = "") -> str:
        if (
            fmt is WireFormat.OPENAI_CHAT
            and model.startswith("bot")
            and target.base_url.strip() not in self.special_bases
        ):
            return self.base_url(target) + "/api/v3/bots/chat/completions"
        return super().url_for(target, fmt, model)
