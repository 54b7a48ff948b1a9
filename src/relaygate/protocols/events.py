"""Stream events: what every upstream body decodes to and every client stream encodes from.

Decoders emit, per answer: ``MessageStart``; then per block ``BlockStart``, ``BlockDelta``s and
``BlockStop`` (indexes count from 0 in order of appearance); ``UsageUpdate`` whenever counts
change (each carries the cumulative totals so far, so the last one wins); and exactly one
``Finish`` last, after all usage. ``StreamError`` replaces ``Finish`` when the upstream fails
mid-stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias

from relaygate.protocols import ir

DeltaType: TypeAlias = Literal["text", "thinking", "signature", "arguments"]


@dataclass(slots=True)
class MessageStart:
    """The answer begins."""

    id: str
    """Vendor response id."""
    model: str
    """Model that answers (the relay may rewrite it to the client's model name)."""
    kind: Literal["message_start"] = "message_start"


@dataclass(slots=True)
class BlockStart:
    """A content block opens; ``block`` is a stub (empty text/arguments) with ids and names."""

    index: int
    """Block position in the answer."""
    block: ir.Block
    """Stub of the block: its kind, tool id/name, thinking origin, provider_details."""
    kind: Literal["block_start"] = "block_start"


@dataclass(slots=True)
class BlockDelta:
    """More content for an open block."""

    index: int
    """The block this extends."""
    delta: str
    """The new text, thinking text, signature piece, or tool-arguments JSON fragment."""
    delta_type: DeltaType = "text"
    """What ``delta`` extends."""
    kind: Literal["block_delta"] = "block_delta"


@dataclass(slots=True)
class BlockStop:
    """A block is complete."""

    index: int
    """The block that closed."""
    kind: Literal["block_stop"] = "block_stop"


@dataclass(slots=True)
class UsageUpdate:
    """Cumulative token counts so far."""

    usage: ir.Usage
    """Totals so far; replaces any earlier update."""
    kind: Literal["usage_update"] = "usage_update"


@dataclass(slots=True)
class Finish:
    """The answer ended normally."""

    finish_reason: ir.FinishReason | None
    """Why generation stopped."""
    kind: Literal["finish"] = "finish"


@dataclass(slots=True)
class StreamError:
    """The upstream failed after the stream began."""

    message: str
    """Human-readable message."""
    type: str = "upstream_error"
    """Error type (OpenAI style)."""
    code: str | None = None
    """Vendor error code or status, when known."""
    kind: Literal["stream_error"] = "stream_error"


Event: TypeAlias = (
    MessageStart | BlockStart | BlockDelta | BlockStop | UsageUpdate | Finish | StreamError
)


class EventDecoder(Protocol):
    """Upstream body bytes (SSE, or one JSON document) in, IR events out."""

    def feed(self, chunk: bytes) -> list[Event]:
        """Consume the next bytes; return the events they complete."""
        ...

    def finish(self) -> list[Event]:
        """The body ended; flush what is left (idempotent)."""
        ...


class EventEncoder(Protocol):
    """IR events in, SSE frames in one client format out."""

    def encode(self, event: Event) -> bytes:
        """Frames for one event (possibly empty)."""
        ...

    def finalize(self) -> bytes:
        """Closing frames (``[DONE]``, a missing stop); idempotent."""
        ...
