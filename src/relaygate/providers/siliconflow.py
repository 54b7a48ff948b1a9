"""SiliconFlow: OpenAI-style chat completions at ``api.siliconflow.cn/v1``."""

from __future__ import annotations

from typing import ClassVar

from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


class SiliconFlow(OpenAICompatible):
    """SiliconFlow's API."""

    channel_type: ClassVar[ChannelType] = ChannelType.SILICONFLOW
    default_base_url: ClassVar[str] = "https://api.siliconflow.cn"
