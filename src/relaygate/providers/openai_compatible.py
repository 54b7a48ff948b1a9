"""OpenAI and every OpenAI-compatible vendor: ``{base}/v1/chat/completions`` with a Bearer key."""

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

_PATHS: dict[WireFormat, str] = {
    WireFormat.OPENAI_CHAT: "/v1/chat/completions",
    WireFormat.OPENAI_RESPONSES: "/v1/responses",
}


class OpenAICompatible(Provider):
    """A vendor that speaks OpenAI's chat completions API."""

    channel_type: ClassVar[ChannelType] = ChannelType.OPENAI
    default_base_url: ClassVar[str] = "https://api.openai.com"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset({WireFormat.OPENAI_CHAT})
    chat_path: ClassVar[str] = "/v1/chat/completions"

    def path_for(self, fmt: WireFormat) -> str:
        """The request path for a format this vendor speaks."""
        if fmt is WireFormat.OPENAI_CHAT:
            return self.chat_path
        return _PATHS[fmt]

    def url_for(self, target: ChannelTarget, fmt: WireFormat) -> str:
        """Base URL + path; a base URL that already ends in the version segment is kept as is."""
        base = self.base_url(target)
        path = self.path_for(fmt)
        if base.endswith("/v1") and path.startswith("/v1/"):
            path = path[3:]
        return base + path

    def auth_headers(self, target: ChannelTarget) -> dict[str, str]:
        """Bearer auth plus the organization header when set."""
        headers = {"Authorization": f"Bearer {target.key}"}
        if target.organization:
            headers["OpenAI-Organization"] = target.organization
        return headers

    async def build_request(
        self, target: ChannelTarget, call: UpstreamCall, transport: Transport
    ) -> UpstreamRequest:
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if call.stream else "application/json",
            **self.auth_headers(target),
        }
        return UpstreamRequest(
            method="POST",
            url=self.url_for(target, call.fmt),
            headers=self.apply_header_override(target, headers),
            body=call.body,
        )


class OpenAI(OpenAICompatible):
    """OpenAI itself: chat completions and the Responses API natively."""

    native_formats: ClassVar[frozenset[WireFormat]] = frozenset(
        {WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES}
    )
