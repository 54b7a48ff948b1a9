"""AWS event-stream framing (``application/vnd.amazon.eventstream``), decoded incrementally.

One message: total length (u32), headers length (u32), prelude CRC32 of those 8 bytes,
headers, payload, then a CRC32 of everything before it. A header is a 1-byte name length,
the name, a 1-byte type and a typed value (docs: "Event stream encoding", Transcribe/S3 Select).
"""

from __future__ import annotations

import base64
import binascii
import struct
import uuid
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from relaygate.errors import UpstreamError
from relaygate.kit import jsonx

PRELUDE_LENGTH = 12
MINIMUM_MESSAGE = PRELUDE_LENGTH + 4
MAXIMUM_MESSAGE = 16 * 1024 * 1024
"""AWS caps a message at 16 MiB; anything larger means the framing was lost."""

HeaderValue = bool | int | bytes | str | uuid.UUID


@dataclass(frozen=True, slots=True)
class EventMessage:
    """One decoded message."""

    headers: Mapping[str, HeaderValue]
    payload: bytes


class EventStreamError(UpstreamError):
    """The event stream is corrupt (bad CRC, impossible length, unknown header type)."""

    code = "upstream_bad_event_stream"


def _read_headers(raw: bytes) -> dict[str, HeaderValue]:
    headers: dict[str, HeaderValue] = {}
    at = 0
    try:
        while at < len(raw):
            name_length = raw[at]
            name = raw[at + 1 : at + 1 + name_length].decode()
            at += 1 + name_length
            kind = raw[at]
            at += 1
            value: HeaderValue
            if kind in (0, 1):
                value = kind == 0
            elif kind == 2:
                (value,) = struct.unpack_from(">b", raw, at)
                at += 1
            elif kind == 3:
                (value,) = struct.unpack_from(">h", raw, at)
                at += 2
            elif kind == 4:
                (value,) = struct.unpack_from(">i", raw, at)
                at += 4
            elif kind in (5, 8):
                (value,) = struct.unpack_from(">q", raw, at)
                at += 8
            elif kind in (6, 7):
                (length,) = struct.unpack_from(">H", raw, at)
                data = raw[at + 2 : at + 2 + length]
                if len(data) != length:
                    raise EventStreamError("event-stream header value is truncated")
                value = data.decode() if kind == 7 else bytes(data)
                at += 2 + length
            elif kind == 9:
                value = uuid.UUID(bytes=bytes(raw[at : at + 16]))
                at += 16
            else:
                raise EventStreamError(f"event-stream header type {kind} is unknown")
            headers[name] = value
    except (IndexError, struct.error, UnicodeDecodeError, ValueError) as exc:
        raise EventStreamError("event-stream headers are malformed") from exc
    return headers


class EventStreamDecoder:
    """Feed arbitrary byte chunks; complete, CRC-checked messages come out in order."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes held back, waiting for the rest of a message."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> Iterator[EventMessage]:
        """Messages completed by this chunk."""
        buffer = self._buffer
        buffer += chunk
        while len(buffer) >= PRELUDE_LENGTH:
            total, headers_length, prelude_crc = struct.unpack_from(">III", buffer, 0)
            if zlib.crc32(buffer[:8]) != prelude_crc:
                raise EventStreamError("event-stream prelude CRC mismatch")
            if not MINIMUM_MESSAGE <= total <= MAXIMUM_MESSAGE or (
                headers_length > total - MINIMUM_MESSAGE
            ):
                raise EventStreamError(f"event-stream message length {total} is impossible")
            if len(buffer) < total:
                return
            message = bytes(buffer[:total])
            del buffer[:total]
            (message_crc,) = struct.unpack_from(">I", message, total - 4)
            if zlib.crc32(message[:-4]) != message_crc:
                raise EventStreamError("event-stream message CRC mismatch")
            headers_end = PRELUDE_LENGTH + headers_length
            yield EventMessage(
                headers=_read_headers(message[PRELUDE_LENGTH:headers_end]),
                payload=message[headers_end:-4],
            )


def encode_message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One message with string headers (what tests and the mock upstream send)."""
    raw_headers = bytearray()
    for name, value in headers.items():
        encoded_name, encoded_value = name.encode(), value.encode()
        raw_headers += bytes([len(encoded_name)]) + encoded_name + b"\x07"
        raw_headers += struct.pack(">H", len(encoded_value)) + encoded_value
    total = PRELUDE_LENGTH + len(raw_headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(raw_headers))
    body = prelude + struct.pack(">I", zlib.crc32(prelude)) + bytes(raw_headers) + payload
    return body + struct.pack(">I", zlib.crc32(body))


def sse_frame(event_type: str, data: bytes) -> bytes:
    """``event: <type>\\ndata: <json>\\n\\n``."""
    return b"event: " + event_type.encode() + b"\ndata: " + data + b"\n\n"


class BedrockToAnthropicSSE:
    """Bedrock's InvokeModelWithResponseStream body → Anthropic Messages SSE bytes.

    A ``chunk`` event's payload is ``{"bytes": base64(Anthropic stream event JSON)}``; an
    exception message (``:message-type: exception``) becomes an Anthropic ``error`` event.
    """

    def __init__(self) -> None:
        self._decoder = EventStreamDecoder()

    def __call__(self, chunk: bytes) -> bytes:
        out = bytearray()
        for message in self._decoder.feed(chunk):
            out += self._frame(message)
        return bytes(out)

    def _frame(self, message: EventMessage) -> bytes:
        kind = message.headers.get(":message-type", "event")
        if kind != "event":
            return self._error_frame(message)
        if message.headers.get(":event-type", "chunk") != "chunk":
            return b""
        try:
            envelope = jsonx.loads(message.payload)
            data = base64.b64decode(envelope["bytes"], validate=True)
            event = jsonx.loads(data)
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise EventStreamError("Bedrock stream chunk is not base64 JSON") from exc
        event_type = event.get("type") if isinstance(event, dict) else None
        if not isinstance(event_type, str):
            raise EventStreamError("Bedrock stream chunk has no event type")
        return sse_frame(event_type, jsonx.dumps(event))

    def _error_frame(self, message: EventMessage) -> bytes:
        raw_name = message.headers.get(":exception-type") or message.headers.get(":error-code")
        name = raw_name.decode(errors="replace") if isinstance(raw_name, bytes) else str(raw_name)
        text = ""
        try:
            payload = jsonx.loads(message.payload) if message.payload else {}
            if isinstance(payload, dict):
                text = str(payload.get("message") or payload.get("Message") or "")
        except ValueError:
            text = message.payload[:500].decode(errors="replace")
        error_type = _ERROR_TYPES.get(name, "api_error")
        body = {
            "type": "error",
            "error": {"type": error_type, "message": text or f"Bedrock stream error: {name}"},
        }
        return sse_frame("error", jsonx.dumps(body))


_ERROR_TYPES: Mapping[str, str] = {
    "throttlingException": "rate_limit_error",
    "serviceUnavailableException": "overloaded_error",
    "modelStreamErrorException": "api_error",
    "validationException": "invalid_request_error",
    "internalServerException": "api_error",
    "modelTimeoutException": "api_error",
}
"""Bedrock's stream exception names → Anthropic error types."""
