"""Stream conversion for every (upstream, client) pair, checked with the vendors' own SDK types."""

from __future__ import annotations

from typing import Any

import anthropic.types
import openai.types.chat
import openai.types.responses
import pytest
from google.genai import types as genai_types
from proto_support import PAIRS, decode_stream, fixture, fold, next_turn, sse_payloads, texts
from pydantic import TypeAdapter

from relaygate.kit import jsonx
from relaygate.protocols import ir
from relaygate.protocols.codecs import CODECS, StreamBridge
from relaygate.protocols.events import StreamError
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport

_CLAUDE_EVENT: TypeAdapter[Any] = TypeAdapter(anthropic.types.RawMessageStreamEvent)
_RESPONSES_EVENT: TypeAdapter[Any] = TypeAdapter(openai.types.responses.ResponseStreamEvent)


def _validate_with_sdk(client: WireFormat, body: bytes) -> None:
    """Each frame parses as the official SDK's stream type."""
    payloads = sse_payloads(body)
    assert payloads
    for payload in payloads:
        if client == WireFormat.OPENAI_CHAT:
            if payload != "[DONE]":
                openai.types.chat.ChatCompletionChunk.model_validate(payload)
        elif client == WireFormat.OPENAI_RESPONSES:
            _RESPONSES_EVENT.validate_python(payload)
        elif client == WireFormat.ANTHROPIC_MESSAGES:
            if payload["type"] != "ping":
                _CLAUDE_EVENT.validate_python(payload)
        else:
            genai_types.GenerateContentResponse.model_validate(payload)
    if client == WireFormat.OPENAI_CHAT:
        assert payloads[-1] == "[DONE]"
        assert payloads[-2]["choices"] == [] and "usage" in payloads[-2]


def bridge(
    upstream: WireFormat, client: WireFormat, data: bytes, size: int
) -> tuple[bytes, StreamBridge]:
    """Convert ``data`` fed in ``size``-byte pieces."""
    stream = StreamBridge(upstream, client, model="client-model")
    out = b"".join(stream.feed(data[i : i + size]) for i in range(0, len(data), size))
    return out + stream.finish(), stream


@pytest.mark.parametrize("size", [1, 7, 64])
@pytest.mark.parametrize(("upstream", "client"), PAIRS)
def test_stream_conversion_keeps_everything(
    upstream: WireFormat, client: WireFormat, size: int
) -> None:
    out, stream = bridge(upstream, client, fixture(upstream, "stream.sse"), size)
    _validate_with_sdk(client, out)
    answer = fold(decode_stream(client, out, size=13))
    assert answer.model == "client-model"
    assert [t.text for t in texts(answer, ir.TextBlock)] == ["Checking now. ☀️"]
    (call,) = texts(answer, ir.ToolCallBlock)
    assert call.name == "get_weather"
    assert jsonx.loads(call.arguments) == {"city": "Paris"}
    assert [t.text for t in texts(answer, ir.ThinkingBlock)] == ["The user wants the weather."]
    assert answer.finish_reason == "tool_calls"
    assert stream.usage is not None and stream.error is None
    assert (stream.usage.input_tokens, stream.usage.output_tokens) == (120, 40)
    assert stream.usage.cache_read_tokens == 64
    assert (answer.usage.input_tokens, answer.usage.output_tokens) == (120, 40)


@pytest.mark.parametrize(("upstream", "client"), PAIRS)
def test_signature_reaches_client_in_its_own_format(
    upstream: WireFormat, client: WireFormat
) -> None:
    """A vendor proof is visible in the client's stream, natively or packed."""
    out, _ = bridge(upstream, client, fixture(upstream, "stream.sse"), 5)
    proofs = {
        WireFormat.ANTHROPIC_MESSAGES: "EqQBCkYIBRgCKkBclaudeSignature==",
        WireFormat.GEMINI: "CiQBVKhc7geminiSignature==",
        WireFormat.OPENAI_RESPONSES: "gAAAAABoqvEncryptedReasoning==",
    }
    if upstream not in proofs:
        return
    answer = fold(decode_stream(client, out))
    replay = next_turn(client, jsonx.loads(CODECS[client].encode_response(answer)))
    restored = CODECS[client].decode_request(replay, LossReport())
    found = [
        b.signature for m in restored.messages for b in m.blocks if isinstance(b, ir.ThinkingBlock)
    ]
    found += [
        b.provider_details.get("thought_signature")
        for m in restored.messages
        for b in m.blocks
        if isinstance(b, ir.ToolCallBlock)
    ]
    assert proofs[upstream] in found


@pytest.mark.parametrize("upstream", list(WireFormat))
def test_stream_cut_midway_ends_with_error_in_client_format(upstream: WireFormat) -> None:
    data = fixture(upstream, "stream.sse")
    cut = data[: len(data) // 2]
    for client in WireFormat:
        out, stream = bridge(upstream, client, cut, 9)
        assert isinstance(stream.error, StreamError)
        last = sse_payloads(out)[-1]
        if client == WireFormat.ANTHROPIC_MESSAGES:
            assert last["type"] == "error"
        elif client == WireFormat.OPENAI_RESPONSES:
            assert last["type"] == "response.failed"
        else:
            assert "error" in last


@pytest.mark.parametrize("upstream", list(WireFormat))
def test_upstream_error_event_is_forwarded(upstream: WireFormat) -> None:
    frames = {
        WireFormat.OPENAI_CHAT: b'data: {"error":{"message":"boom","type":"server_error","code":"x"}}\n\n',
        WireFormat.OPENAI_RESPONSES: b'event: error\ndata: {"type":"error","code":"x","message":"boom"}\n\n',
        WireFormat.ANTHROPIC_MESSAGES: (
            b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"boom"}}\n\n'
        ),
        WireFormat.GEMINI: b'data: {"error":{"code":503,"message":"boom","status":"UNAVAILABLE"}}\n\n',
    }
    start = fixture(upstream, "stream.sse").split(b"\n\n")[0] + b"\n\n"
    events = decode_stream(upstream, start + frames[upstream])
    assert isinstance(events[-1], StreamError)
    assert events[-1].message == "boom"


def test_chat_client_without_include_usage_gets_no_usage_chunk() -> None:
    stream = StreamBridge(
        WireFormat.ANTHROPIC_MESSAGES, WireFormat.OPENAI_CHAT, include_usage=False
    )
    out = stream.feed(fixture(WireFormat.ANTHROPIC_MESSAGES, "stream.sse")) + stream.finish()
    payloads = sse_payloads(out)
    assert payloads[-1] == "[DONE]"
    assert all(p == "[DONE]" or p["choices"] for p in payloads)
    assert stream.usage is not None and stream.usage.output_tokens == 40
