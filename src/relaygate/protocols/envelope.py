"""A cheap look at a request body before any conversion: model, stream flag, token cap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from relaygate.errors import BadRequest
from relaygate.protocols import wire
from relaygate.protocols.formats import WireFormat

_CONVERSATION_KEY = {
    WireFormat.OPENAI_CHAT: "messages",
    WireFormat.OPENAI_RESPONSES: "input",
    WireFormat.ANTHROPIC_MESSAGES: "messages",
    WireFormat.GEMINI: "contents",
}


@dataclass(slots=True, frozen=True)
class Peek:
    """What pricing, routing and the stream decision need from a request."""

    model: str
    """Requested model name."""
    stream: bool
    """The client wants a stream."""
    max_tokens: int | None
    """Output token cap the client set, if any (for the pre-charge)."""
    include_usage: bool
    """The client wants usage in the stream (always true outside OpenAI chat)."""


def peek(
    fmt: WireFormat, body: bytes, *, model: str | None = None, stream: bool | None = None
) -> Peek:
    """Peek at ``body``; ``model``/``stream`` come from the URL for Gemini.

    Raises ``BadRequest`` for non-JSON, non-object bodies and a missing model or conversation.
    """
    return peek_object(fmt, wire.load_object(body), model=model, stream=stream)


def peek_object(
    fmt: WireFormat, data: dict[str, Any], *, model: str | None = None, stream: bool | None = None
) -> Peek:
    """``peek`` on a body already parsed (the relay keeps the dict for pass-through edits)."""
    name = model if model is not None else data.get("model")
    if not isinstance(name, str) or not name:
        raise BadRequest(
            "model is required" if name is None else "model must be a non-empty string",
            code="missing_model",
        )
    key = _CONVERSATION_KEY[fmt]
    allows_none = fmt == WireFormat.OPENAI_RESPONSES and (
        "previous_response_id" in data or "prompt" in data
    )
    if key not in data and not allows_none:
        raise BadRequest(f"{key} is required", code=f"missing_{key}")
    value = data.get(key)
    if key in data and not (
        isinstance(value, list) or (fmt == WireFormat.OPENAI_RESPONSES and isinstance(value, str))
    ):
        raise BadRequest(f"{key} must be an array", code=f"invalid_{key}")
    if fmt == WireFormat.OPENAI_CHAT:
        cap = data.get("max_completion_tokens", data.get("max_tokens"))
        usage = wire.as_dict(data.get("stream_options")).get("include_usage") is True
    elif fmt == WireFormat.OPENAI_RESPONSES:
        cap, usage = data.get("max_output_tokens"), True
    elif fmt == WireFormat.ANTHROPIC_MESSAGES:
        cap, usage = data.get("max_tokens"), True
    else:
        cap, usage = wire.as_dict(data.get("generationConfig")).get("maxOutputTokens"), True
    if cap is not None and (wire.opt_int(cap) is None or cap < 0):
        raise BadRequest(
            "the output token limit must be a non-negative integer", code="invalid_max_tokens"
        )
    if fmt != WireFormat.OPENAI_RESPONSES and key in data and not value and not allows_none:
        raise BadRequest(f"{key} must not be empty", code=f"missing_{key}")
    wants_stream = stream if stream is not None else data.get("stream") is True
    return Peek(name, wants_stream, wire.opt_int(cap), usage)
