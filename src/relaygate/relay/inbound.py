"""What the relay reads from a client request before choosing a channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from relaygate.protocols import wire
from relaygate.protocols.envelope import peek_object
from relaygate.protocols.formats import WireFormat


@dataclass(slots=True)
class Inbound:
    """A parsed client request: the JSON body and what pricing and routing need from it."""

    fmt: WireFormat
    body: bytes
    payload: dict[str, Any]
    model: str
    stream: bool
    max_tokens: int | None
    include_usage: bool
    gemini_sse: bool = True
    """Gemini clients without ``alt=sse`` get a streamed JSON array instead of SSE."""


def read_inbound(
    fmt: WireFormat,
    body: bytes,
    *,
    path_model: str | None = None,
    path_stream: bool | None = None,
    gemini_sse: bool = True,
) -> Inbound:
    """Parse and validate; raises BadRequest with a clear message for a malformed body."""
    if not body.strip():
        from relaygate.errors import BadRequest

        raise BadRequest("request body is empty; expected a JSON object", code="empty_body")
    payload = wire.load_object(body)
    peek = peek_object(fmt, payload, model=path_model, stream=path_stream)
    return Inbound(
        fmt=fmt,
        body=body,
        payload=payload,
        model=peek.model,
        stream=peek.stream,
        max_tokens=peek.max_tokens,
        include_usage=peek.include_usage,
        gemini_sse=gemini_sse,
    )
