"""X → IR → X is stable for every wire format: requests, responses and streams."""

from __future__ import annotations

import pytest
from proto_support import FORMATS, decode_stream, fixture, fixture_json, fold, texts

from relaygate.kit import jsonx
from relaygate.protocols import ir
from relaygate.protocols.codecs import CODECS
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_round_trip_is_exact_and_lossless(fmt: WireFormat) -> None:
    codec = CODECS[fmt]
    losses = LossReport()
    body = codec.encode_request(codec.decode_request(fixture(fmt, "request.json"), losses), losses)
    assert jsonx.loads(body) == fixture_json(fmt, "request.json")
    assert losses.items == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_round_trip_is_idempotent(fmt: WireFormat) -> None:
    codec = CODECS[fmt]
    once = codec.encode_request(
        codec.decode_request(fixture(fmt, "request.json"), LossReport()), LossReport()
    )
    twice = codec.encode_request(codec.decode_request(once, LossReport()), LossReport())
    assert jsonx.loads(once) == jsonx.loads(twice)


@pytest.mark.parametrize("fmt", FORMATS)
def test_response_round_trip_is_exact(fmt: WireFormat) -> None:
    codec = CODECS[fmt]
    body = codec.encode_response(codec.decode_response(fixture(fmt, "response.json")))
    assert jsonx.loads(body) == fixture_json(fmt, "response.json")


@pytest.mark.parametrize("fmt", FORMATS)
def test_stream_round_trip_keeps_content(fmt: WireFormat) -> None:
    upstream = fold(decode_stream(fmt, fixture(fmt, "stream.sse")))
    encoder = CODECS[fmt].event_encoder()
    out = b"".join(encoder.encode(e) for e in decode_stream(fmt, fixture(fmt, "stream.sse")))
    out += encoder.finalize()
    again = fold(decode_stream(fmt, out, size=11))
    assert [b.kind for b in again.blocks] == [b.kind for b in upstream.blocks]
    assert again.usage == upstream.usage
    assert again.finish_reason == upstream.finish_reason == "tool_calls"
    assert texts(again, ir.TextBlock)[0].text == "Checking now. ☀️"
    call = texts(again, ir.ToolCallBlock)[0]
    assert (call.name, jsonx.loads(call.arguments)) == ("get_weather", {"city": "Paris"})
    assert texts(again, ir.ThinkingBlock)[0].text == texts(upstream, ir.ThinkingBlock)[0].text


@pytest.mark.parametrize("fmt", FORMATS)
def test_json_body_through_event_decoder_matches_decode_response(fmt: WireFormat) -> None:
    """One code path: a non-streamed upstream body also becomes events."""
    body = fixture(fmt, "response.json")
    direct = CODECS[fmt].decode_response(body)
    folded = fold(decode_stream(fmt, body, size=5))
    assert [b.kind for b in folded.blocks] == [b.kind for b in direct.blocks]
    assert folded.usage == direct.usage
    assert folded.finish_reason == direct.finish_reason


def test_gemini_three_thinking_level_round_trips() -> None:
    body = jsonx.dumps({
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "generationConfig": {"thinkingConfig": {"thinkingLevel": "HIGH", "includeThoughts": True}},
    })  # fmt: skip
    codec = CODECS[WireFormat.GEMINI]
    request = codec.decode_request(body, LossReport())
    request.model = "gemini-3-pro-preview"
    assert request.reasoning is not None and request.reasoning.effort == "high"
    assert jsonx.loads(codec.encode_request(request, LossReport())) == jsonx.loads(body)


def test_claude_adaptive_thinking_and_effort_round_trip() -> None:
    body = jsonx.dumps({
        "model": "claude-opus-4-5", "max_tokens": 64000,
        "messages": [{"role": "user", "content": "hi"}, {"role": "system", "content": "be brief"}],
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "high", "format": {"type": "json_schema", "schema": {"type": "object"}}},
        "tools": [],
    })  # fmt: skip
    codec = CODECS[WireFormat.ANTHROPIC_MESSAGES]
    losses = LossReport()
    out = codec.encode_request(codec.decode_request(body, losses), losses)
    assert jsonx.loads(out) == jsonx.loads(body)
    assert losses.items == []
