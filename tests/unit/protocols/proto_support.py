"""Helpers for the protocol tests: fixtures, chunked feeding, folding client streams."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from relaygate.kit import jsonx
from relaygate.protocols import ir
from relaygate.protocols.codecs import CODECS
from relaygate.protocols.collect import ResponseBuilder
from relaygate.protocols.events import Event
from relaygate.protocols.formats import WireFormat

WIRE = Path(__file__).resolve().parents[2] / "fixtures" / "wire"
FORMATS = list(WireFormat)
PAIRS = [(a, b) for a in FORMATS for b in FORMATS if a != b]


def fixture(fmt: WireFormat, name: str) -> bytes:
    """Raw bytes of one wire sample."""
    return (WIRE / fmt / name).read_bytes()


def fixture_json(fmt: WireFormat, name: str) -> Any:
    """A parsed JSON wire sample."""
    return jsonx.loads(fixture(fmt, name))


def chunks(data: bytes, size: int) -> list[bytes]:
    """``data`` cut every ``size`` bytes, splitting lines, JSON and UTF-8 characters."""
    return [data[i : i + size] for i in range(0, len(data), size)]


def decode_stream(fmt: WireFormat, data: bytes, size: int = 7) -> list[Event]:
    """All IR events of an upstream body fed in odd-sized pieces."""
    decoder = CODECS[fmt].event_decoder()
    events: list[Event] = []
    for piece in chunks(data, size):
        events.extend(decoder.feed(piece))
    events.extend(decoder.finish())
    return events


def fold(events: list[Event]) -> ir.Response:
    """Events folded into one response."""
    builder = ResponseBuilder()
    for event in events:
        builder.add(event)
    return builder.build()


def sse_payloads(data: bytes) -> list[Any]:
    """Every ``data:`` JSON payload of an SSE body (``[DONE]`` kept as a string)."""
    out = []
    for line in data.split(b"\n"):
        if line.startswith(b"data: "):
            payload = line[6:]
            out.append("[DONE]" if payload == b"[DONE]" else jsonx.loads(payload))
    return out


def texts(response: ir.Response, kind: type) -> list[Any]:
    """Blocks of one kind."""
    return [block for block in response.blocks if isinstance(block, kind)]
