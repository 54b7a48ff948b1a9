"""Moonshot (Kimi): OpenAI chat, and Anthropic Messages under ``/anthropic``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


class Moonshot(OpenAICompatible):
    """api.moonshot.cn, or the Kimi coding plan when the base URL is ``kimi-coding-plan``."""

    channel_type: ClassVar[ChannelType] = ChannelType.MOONSHOT
    default_base_url: ClassVar[str] = "https://api.moonshot.cn"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset(
        {WireFormat.OPENAI_CHAT, WireFormat.ANTHROPIC_MESSAGES}
    )
    paths: ClassVar[Mapping[WireFormat, str]] = {
        WireFormat.OPENAI_CHAT: "/v1/chat/completions",
        WireFormat.ANTHROPIC_MESSAGES: "/anthropic/v1/messages",
    }
    special_bases: ClassVar[Mapping[str, Mapping[WireFormat, str]]] = {
        "kimi-coding-plan": {
            WireFormat.OPENAI_CHAT: "https://api.kimi.com/coding/v1",
            WireFormat.ANTHROPIC_MESSAGES: "https://api.kimi.com/coding",
        },
    }
