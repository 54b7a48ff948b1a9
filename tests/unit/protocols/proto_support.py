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


USER = "What is the weather in Paris?"


def next_turn(client: WireFormat, answer: dict[str, Any]) -> bytes:
    """The client's next request: history with ``answer`` replayed, plus the tool result."""
    if client == WireFormat.OPENAI_CHAT:
        message = answer["choices"][0]["message"]
        calls = message["tool_calls"]
        body: dict[str, Any] = {
            "model": "m", "reasoning_effort": "high",
            "messages": [
                {"role": "user", "content": USER},
                {"role": "assistant", "content": message["content"], "tool_calls": calls},
                {"role": "tool", "tool_call_id": calls[0]["id"], "content": "18C"},
            ],
        }  # fmt: skip
    elif client == WireFormat.ANTHROPIC_MESSAGES:
        call = next(b for b in answer["content"] if b["type"] == "tool_use")
        body = {
            "model": "m", "max_tokens": 4096, "thinking": {"type": "enabled", "budget_tokens": 2048},
            "messages": [
                {"role": "user", "content": USER},
                {"role": "assistant", "content": answer["content"]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": "18C"}]},
            ],
        }  # fmt: skip
    elif client == WireFormat.OPENAI_RESPONSES:
        call = next(i for i in answer["output"] if i["type"] == "function_call")
        body = {
            "model": "m", "reasoning": {"effort": "high"}, "store": False,
            "input": [
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": USER}]},
                *answer["output"],
                {"type": "function_call_output", "call_id": call["call_id"], "output": "18C"},
            ],
        }  # fmt: skip
    else:
        content = answer["candidates"][0]["content"]
        parts = [p for p in content["parts"] if not p.get("thought")]
        call = next(p["functionCall"] for p in parts if "functionCall" in p)
        result = {"name": call["name"], "response": {"output": "18C"}}
        if "id" in call:
            result["id"] = call["id"]
        body = {
            "contents": [
                {"role": "user", "parts": [{"text": USER}]},
                {"role": "model", "parts": parts},
                {"role": "user", "parts": [{"functionResponse": result}]},
            ],
            "generationConfig": {
                "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 2048}
            },
        }
    return jsonx.dumps(body)
