"""Same-format relaying for OpenAI chat: bytes are forwarded, usage is only sniffed.

Upstream is always asked for usage (billing needs it); the final usage chunk is forwarded
only if the client itself set ``stream_options.include_usage``.
"""

from __future__ import annotations

from typing import Any

from relaygate.billing.pricing import Usage
from relaygate.kit import jsonx
from relaygate.kit.sse import DONE, SSEParser


def usage_from_openai(raw: Any) -> Usage | None:
    """Usage from an OpenAI ``usage`` object (chat or completions), None when absent."""
    if not isinstance(raw, dict):
        return None
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    prompt = int(raw.get("prompt_tokens") or raw.get("input_tokens") or 0)
    completion = int(raw.get("completion_tokens") or raw.get("output_tokens") or 0)
    cached = 0
    cache_write = 0
    reasoning = 0
    if isinstance(prompt_details, dict):
        cached = int(prompt_details.get("cached_tokens") or 0)
        cache_write = int(prompt_details.get("cache_creation_tokens") or 0)
    if isinstance(completion_details, dict):
        reasoning = int(completion_details.get("reasoning_tokens") or 0)
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        cached_tokens=cached,
        cache_write_tokens=cache_write,
        reasoning_tokens=reasoning,
    )


def _choice_text_length(choices: Any) -> int:
    """Characters of text, reasoning and tool arguments in a chunk's choices."""
    total = 0
    if isinstance(choices, list):
        for choice in choices:
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta") or {}
            if isinstance(delta, dict):
                for name in ("content", "reasoning_content", "reasoning"):
                    value = delta.get(name)
                    if isinstance(value, str):
                        total += len(value)
                for call in delta.get("tool_calls") or ():
                    function = call.get("function") if isinstance(call, dict) else None
                    if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                        total += len(function["arguments"])
    return total


class OpenAIChatStream:
    """Incremental SSE pass-through for one OpenAI chat stream."""

    __slots__ = ("_chars", "_forward_usage", "_parser", "done", "usage")

    def __init__(self, *, forward_usage: bool) -> None:
        self._parser = SSEParser()
        self._forward_usage = forward_usage
        self.usage: Usage | None = None
        self._chars = 0
        self.done = False

    @property
    def estimated_completion(self) -> int:
        """Completion tokens for a stream cut before usage: about four characters a token.

        Characters are counted per chunk and converted only here; running the BPE tokenizer
        on every chunk would cost CPU on the hot path and ~100 MiB for its vocabularies.
        """
        return (self._chars + 3) // 4

    def feed(self, chunk: bytes) -> bytes:
        """Frames to send to the client for this upstream chunk (maybe empty)."""
        out: list[bytes] = []
        for event in self._parser.feed(chunk):
            frame = self._frame(event.data)
            if frame:
                out.append(frame)
        return b"".join(out)

    def finish(self) -> bytes:
        """Frames still buffered when the upstream closed."""
        out = [self._frame(event.data) for event in self._parser.close()]
        return b"".join(frame for frame in out if frame)

    def _frame(self, data: bytes) -> bytes:
        if not data:
            return b""
        if data == DONE:
            self.done = True
            return b"data: [DONE]\n\n"
        try:
            payload = jsonx.loads(data)
        except ValueError:
            return b"data: " + data + b"\n\n"
        if not isinstance(payload, dict):
            return b"data: " + data + b"\n\n"
        choices = payload.get("choices")
        self._chars += _choice_text_length(choices)
        usage = usage_from_openai(payload.get("usage"))
        if usage is not None:
            self.usage = usage
            if not self._forward_usage and not choices:
                return b""
        return b"data: " + data + b"\n\n"
