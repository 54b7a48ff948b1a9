"""Server-sent events: incremental line splitting and frame building without copies of the whole body."""

from __future__ import annotations

from collections.abc import Iterator

DONE = b"[DONE]"


def frame(data: bytes, event: str | None = None) -> bytes:
    """One SSE frame; ``data`` must be a single line of JSON (or ``[DONE]``)."""
    if event is None:
        return b"data: " + data + b"\n\n"
    return b"event: " + event.encode() + b"\ndata: " + data + b"\n\n"


class SSEEvent:
    """One parsed event: its name (``None`` when absent) and its data bytes."""

    __slots__ = ("data", "event")

    def __init__(self, event: str | None, data: bytes) -> None:
        self.event = event
        self.data = data

    def __repr__(self) -> str:
        return f"SSEEvent(event={self.event!r}, data={self.data[:60]!r})"


class SSEParser:
    """Feed it raw bytes as they arrive; it yields complete events.

    Keeps only the unfinished tail between feeds, so memory stays flat on long streams.
    """

    __slots__ = ("_buffer", "_data", "_event")

    def __init__(self) -> None:
        self._buffer = b""
        self._event: str | None = None
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> Iterator[SSEEvent]:
        """Parse ``chunk``; yield each event completed by it."""
        buffer = self._buffer + chunk if self._buffer else chunk
        start = 0
        while True:
            end = buffer.find(b"\n", start)
            if end < 0:
                break
            line = buffer[start:end]
            start = end + 1
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:
                if self._data or self._event is not None:
                    yield SSEEvent(self._event, b"\n".join(self._data))
                self._event = None
                self._data = []
                continue
            if line.startswith(b"data:"):
                value = line[5:]
                self._data.append(value[1:] if value.startswith(b" ") else value)
            elif line.startswith(b"event:"):
                self._event = line[6:].strip().decode()
            # comments (":") and other fields (id, retry) are ignored
        self._buffer = buffer[start:]

    def close(self) -> Iterator[SSEEvent]:
        """Flush an event left unterminated at end of stream."""
        if self._buffer:
            yield from self.feed(b"\n")
        if self._data:
            yield SSEEvent(self._event, b"\n".join(self._data))
        self._data = []
        self._event = None
