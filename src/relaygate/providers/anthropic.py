"""Anthropic's Messages API: ``{base}/v1/messages`` with ``x-api-key`` and ``anthropic-version``."""

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

DEFAULT_VERSION = "2023-06-01"


class Anthropic(Provider):
    """Claude models on Anthropic's own API."""

    channel_type: ClassVar[ChannelType] = ChannelType.ANTHROPIC
    default_base_url: ClassVar[str] = "https://api.anthropic.com"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset({WireFormat.ANTHROPIC_MESSAGES})

    async def build_request(
        self, target: ChannelTarget, call: UpstreamCall, transport: Transport
    ) -> UpstreamRequest:
        base = self.base_url(target)
        url = base + ("/messages" if base.endswith("/v1") else "/v1/messages")
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if call.stream else "application/json",
            "x-api-key": target.key,
            "anthropic-version": call.client_headers.get("anthropic-version") or DEFAULT_VERSION,
        }
        beta = call.client_headers.get("anthropic-beta")
        if beta:
            headers["anthropic-beta"] = beta
        return UpstreamRequest(
            method="POST",
            url=url,
            headers=self.apply_header_override(target, headers),
            body=call.body,
        )
