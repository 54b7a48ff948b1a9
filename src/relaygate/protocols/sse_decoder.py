"""The shared frame of the SSE stream decoders (chat, Responses, Claude).

An upstream asked to stream may still answer with one JSON body (some vendors ignore
``stream: true``); the first bytes decide. Subclasses handle one SSE data payload, the whole
JSON body, and an SSE stream that ends without its closing event.
"""

from __future__ import annotations

from relaygate.kit.sse import SSEParser
from relaygate.protocols.events import Event


class SSEOrJSONDecoder:
    """``feed``/``finish`` over SSE or one JSON body; subclasses implement the three hooks."""

    __slots__ = ("_body", "_done", "_mode", "_parser")

    def __init__(self) -> None:
        self._parser = SSEParser()
        self._mode: str | None = None
        self._body = bytearray()
        self._done = False

    def _on_data(self, data: bytes, out: list[Event]) -> None:
        """One SSE data payload → events."""
        raise NotImplementedError

    def _whole_body(self, body: bytes) -> list[Event]:
        """The events of a non-streamed JSON answer."""
        raise NotImplementedError

    def _cut_short(self, out: list[Event]) -> None:
        """Close open blocks and report an SSE stream that ended without its last event."""
        raise NotImplementedError

    def feed(self, chunk: bytes) -> list[Event]:
        """Consume upstream bytes."""
        if self._mode is None:
            stripped = chunk.lstrip()
            if not stripped:
                return []
            self._mode = "json" if stripped[:1] == b"{" else "sse"
        if self._mode == "json":
            self._body += chunk
            return []
        out: list[Event] = []
        for event in self._parser.feed(chunk):
            self._on_data(event.data, out)
        return out

    def finish(self) -> list[Event]:
        """Flush at end of body."""
        if self._done:
            return []
        if self._mode == "json":
            self._done = True
            return self._whole_body(bytes(self._body))
        out: list[Event] = []
        for event in self._parser.close():
            self._on_data(event.data, out)
        if not self._done:
            self._cut_short(out)
        return out
