"""Channel type → provider. A new channel type is one provider module plus one line here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from relaygate.providers.ali import Ali
from relaygate.providers.anthropic import Anthropic
from relaygate.providers.azure import Azure
from relaygate.providers.base import ChannelType, Provider
from relaygate.providers.bedrock import Bedrock
from relaygate.providers.cohere import Cohere
from relaygate.providers.deepseek import DeepSeek
from relaygate.providers.gemini import Gemini
from relaygate.providers.jina import Jina
from relaygate.providers.mistral import Mistral
from relaygate.providers.moonshot import Moonshot
from relaygate.providers.ollama import Ollama
from relaygate.providers.openai_compatible import OpenAI, OpenAICompatible
from relaygate.providers.openrouter import OpenRouter
from relaygate.providers.perplexity import Perplexity
from relaygate.providers.siliconflow import SiliconFlow
from relaygate.providers.vertex import VertexAI
from relaygate.providers.volcengine import VolcEngine
from relaygate.providers.xai import XAI
from relaygate.providers.xinference import Xinference
from relaygate.providers.zhipu import ZhipuV4

PROVIDERS: Final[Mapping[int, Provider]] = {
    ChannelType.OPENAI: OpenAI(),
    ChannelType.AZURE: Azure(),
    ChannelType.OLLAMA: Ollama(),
    ChannelType.CUSTOM: OpenAICompatible(),
    ChannelType.ANTHROPIC: Anthropic(),
    ChannelType.ALI: Ali(),
    ChannelType.OPENROUTER: OpenRouter(),
    ChannelType.GEMINI: Gemini(),
    ChannelType.MOONSHOT: Moonshot(),
    ChannelType.ZHIPU_V4: ZhipuV4(),
    ChannelType.PERPLEXITY: Perplexity(),
    ChannelType.AWS: Bedrock(),
    ChannelType.COHERE: Cohere(),
    ChannelType.SILICONFLOW: SiliconFlow(),
    ChannelType.VERTEX_AI: VertexAI(),
    ChannelType.MISTRAL: Mistral(),
    ChannelType.DEEPSEEK: DeepSeek(),
    ChannelType.VOLCENGINE: VolcEngine(),
    ChannelType.XAI: XAI(),
    ChannelType.JINA: Jina(),
    ChannelType.XINFERENCE: Xinference(),
}


def provider_for(channel_type: int) -> Provider:
    """The provider for a channel type; unknown types are treated as OpenAI-compatible."""
    return PROVIDERS.get(channel_type) or PROVIDERS[ChannelType.CUSTOM]
