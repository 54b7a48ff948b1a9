"""Zhipu GLM (API v4): chat at ``/api/paas/v4``, Anthropic Messages at ``/api/anthropic``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


class ZhipuV4(OpenAICompatible):
    """open.bigmodel.cn, or a GLM coding plan named by the base URL (as new-api does)."""

    channel_type: ClassVar[ChannelType] = ChannelType.ZHIPU_V4
    default_base_url: ClassVar[str] = "https://open.bigmodel.cn"
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset(
        {WireFormat.OPENAI_CHAT, WireFormat.ANTHROPIC_MESSAGES}
    )
    paths: ClassVar[Mapping[WireFormat, str]] = {
        WireFormat.OPENAI_CHAT: "/api/paas/v4/chat/completions",
        WireFormat.ANTHROPIC_MESSAGES: "/api/anthropic/v1/messages",
    }
    models_path: ClassVar[str] = "/api/paas/v4/models"
    special_bases: ClassVar[Mapping[str, Mapping[WireFormat, str]]] = {
        "glm-coding-plan": {
            WireFormat.OPENAI_CHAT: "https://open.bigmodel.cn/api/coding/paas/v4",
            WireFormat.ANTHROPIC_MESSAGES: "https://open.bigmodel.cn/api/anthropic",
        },
        "glm-coding-plan-international": {
            WireFormat.OPENAI_CHAT: "https://api.z.ai/api/coding/paas/v4",
            WireFormat.ANTHROPIC_MESSAGES: "https://api.z.ai/api/anthropic",
        },
    }
