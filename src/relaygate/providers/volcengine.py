"""VolcEngine Ark (Doubao): ``/api/v3/chat/completions``; ``bot-…`` models use the bots path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


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

    def url_for(self, target: ChannelTarget, fmt: WireFormat, model: str = "") -> str:
        if (
            fmt is WireFormat.OPENAI_CHAT
            and model.startswith("bot")
            and target.base_url.strip() not in self.special_bases
        ):
            return self.base_url(target) + "/api/v3/bots/chat/completions"
        return super().url_for(target, fmt, model)
