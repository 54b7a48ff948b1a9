"""Ollama: its OpenAI-compatible ``/v1/chat/completions``; a local server needs no key.

Completions and embeddings use Ollama's OpenAI-compatible ``/v1/completions`` and
``/v1/embeddings`` as they are (they report usage; new-api converts to ``/api/embed``, which
answers the same vectors with ``prompt_eval_count``).
"""

from __future__ import annotations

from typing import ClassVar

from relaygate.providers.base import ChannelType
from relaygate.providers.openai_compatible import OpenAICompatible


class Ollama(OpenAICompatible):
    """A local or remote Ollama server; a key, when set, is sent as a Bearer token."""

    channel_type: ClassVar[ChannelType] = ChannelType.OLLAMA
    default_base_url: ClassVar[str] = "http://localhost:11434"
    requires_key: ClassVar[bool] = False
    endpoints: ClassVar[frozenset[str]] = frozenset({"/v1/completions", "/v1/embeddings"})
