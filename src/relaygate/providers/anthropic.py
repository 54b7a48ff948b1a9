"""Anthropic's Messages API: ``{base}/v1/messages`` with ``x-api-key`` and ``anthropic-version``."""

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

DEFAULT_VERSION = "2023-06-01"
MAX_PAGES = 100


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

    async def list_models(self, target: ChannelTarget, transport: Transport) -> list[str]:
        base = self.base_url(target)
        url = base + ("/models" if base.endswith("/v1") else "/v1/models") + "?limit=1000"
        headers = {"x-api-key": target.key, "anthropic-version": DEFAULT_VERSION}
        headers = self.apply_header_override(target, headers)
        names: list[str] = []
        after = ""
        for _page in range(MAX_PAGES):
            page_url = f"{url}&after_id={quote(after, safe='')}" if after else url
            payload = await fetch_json(
                transport, target, UpstreamRequest("GET", page_url, headers, b"")
            )
            data = payload.get("data") if isinstance(payload, dict) else None
            if not isinstance(data, list):
                raise UpstreamError(
                    "upstream model list has no data array", channel_id=target.channel_id
                )
            names.extend(str(m["id"]) for m in data if isinstance(m, dict) and "id" in m)
            after = str(payload.get("last_id") or "")
            if not payload.get("has_more") or not after:
                break
        return names
