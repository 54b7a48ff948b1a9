"""AWS event-stream decoding at arbitrary chunk boundaries, CRC checks, Bedrock → Anthropic SSE."""

from __future__ import annotations

import base64
import random
import struct
import zlib

import pytest

from relaygate.kit import jsonx
from relaygate.providers.eventstream import (
    BedrockToAnthropicSSE,
    EventStreamDecoder,
    EventStreamError,
    encode_message,
)

EVENTS = [
    {"type": "message_start", "message": {"id": "msg_1", "usage": {"input_tokens": 5}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi ü"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}},
    {"type": "message_stop"},
]


def chunk_message(event: dict[str, object]) -> bytes:
    payload = jsonx.dumps({"bytes": base64.b64encode(jsonx.dumps(event)).decode(), "p": "abc"})
    headers = {
        ":event-type": "chunk",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    return encode_message(headers, payload)


STREAM = b"".join(chunk_message(event) for event in EVENTS)
EXPECTED_SSE = b"".join(
    b"event: " + str(e["type"]).encode() + b"\ndata: " + jsonx.dumps(e) + b"\n\n" for e in EVENTS
)


def feed_in_pieces(transform: BedrockToAnthropicSSE, data: bytes, sizes: list[int]) -> bytes:
    out = bytearray()
    at = 0
    for size in sizes:
        out += transform(data[at : at + size])
        at += size
    out += transform(data[at:])
    return bytes(out)


def test_whole_stream_at_once() -> None:
    assert BedrockToAnthropicSSE()(STREAM) == EXPECTED_SSE


def test_one_byte_at_a_time() -> None:
    transform = BedrockToAnthropicSSE()
    out = b"".join(transform(STREAM[i : i + 1]) for i in range(len(STREAM)))
    assert out == EXPECTED_SSE


@pytest.mark.parametrize("seed", range(20))
def test_random_splits(seed: int) -> None:
    rng = random.Random(seed)
    sizes = [rng.randint(1, 40) for _ in range(len(STREAM) // 10)]
    assert feed_in_pieces(BedrockToAnthropicSSE(), STREAM, sizes) == EXPECTED_SSE


@pytest.mark.parametrize("split", [1, 4, 8, 11, 12, 13, 20])
def test_splits_inside_the_prelude_yield_nothing_until_complete(split: int) -> None:
    decoder = EventStreamDecoder()
    first = chunk_message(EVENTS[0])
    assert list(decoder.feed(first[:split])) == []
    assert decoder.pending == split
    (message,) = list(decoder.feed(first[split:]))
    assert message.headers[":event-type"] == "chunk"
    assert decoder.pending == 0


def test_prelude_crc_mismatch_is_an_error() -> None:
    data = bytearray(chunk_message(EVENTS[0]))
    data[8] ^= 0xFF
    with pytest.raises(EventStreamError, match="prelude CRC"):
        list(EventStreamDecoder().feed(bytes(data)))


def test_message_crc_mismatch_is_an_error_even_when_split() -> None:
    data = bytearray(chunk_message(EVENTS[2]))
    data[-10] ^= 0x01
    decoder = EventStreamDecoder()
    assert list(decoder.feed(bytes(data[:30]))) == []
    with pytest.raises(EventStreamError, match="message CRC"):
        list(decoder.feed(bytes(data[30:])))


def test_impossible_length_is_an_error() -> None:
    prelude = struct.pack(">II", 8, 0)
    data = prelude + struct.pack(">I", zlib.crc32(prelude))
    with pytest.raises(EventStreamError, match="impossible"):
        list(EventStreamDecoder().feed(data))


def test_typed_headers_are_decoded() -> None:
    raw_headers = (
        b"\x01a\x00"  # true
        + b"\x01b\x04"
        + struct.pack(">i", -7)
        + b"\x01c\x06"
        + struct.pack(">H", 2)
        + b"\x00\x01"
    )
    total = 12 + len(raw_headers) + 4
    prelude = struct.pack(">II", total, len(raw_headers))
    body = prelude + struct.pack(">I", zlib.crc32(prelude)) + raw_headers
    data = body + struct.pack(">I", zlib.crc32(body))
    (message,) = list(EventStreamDecoder().feed(data))
    assert dict(message.headers) == {"a": True, "b": -7, "c": b"\x00\x01"}
    assert message.payload == b""


def test_exception_message_becomes_an_anthropic_error_event() -> None:
    error = encode_message(
        {":message-type": "exception", ":exception-type": "throttlingException"},
        b'{"message":"Too many requests"}',
    )
    out = BedrockToAnthropicSSE()(chunk_message(EVENTS[0]) + error)
    frames = out.split(b"\n\n")
    assert frames[1] == (
        b'event: error\ndata: {"type":"error","error":'
        b'{"type":"rate_limit_error","message":"Too many requests"}}'
    )


def test_chunk_without_base64_json_is_an_error() -> None:
    bad = encode_message({":message-type": "event", ":event-type": "chunk"}, b'{"bytes":"!!"}')
    with pytest.raises(EventStreamError):
        BedrockToAnthropicSSE()(bad)


def test_each_transform_has_its_own_buffer() -> None:
    first, second = BedrockToAnthropicSSE(), BedrockToAnthropicSSE()
    assert first(STREAM[:7]) == b""
    assert second(STREAM) == EXPECTED_SSE
