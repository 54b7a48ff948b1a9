"""Reasoning proofs survive a round trip through a client that speaks another format.

The upstream answers with a proof (Claude thinking signature, Gemini thoughtSignature, Responses
encrypted_content); the client gets the answer in its own format, replays it the way the real
client does on the next turn (OpenAI chat clients without ``reasoning_content``; Gemini CLI
without thought parts), and the converted next request must carry the proof byte for byte.
"""

from __future__ import annotations

from typing import Any

import pytest
from proto_support import PAIRS, decode_stream, fixture, fixture_json, fold, next_turn

from relaygate.kit import jsonx
from relaygate.protocols.codecs import CODECS, StreamBridge, convert_request, convert_response
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport


def _client_answer(upstream: WireFormat, client: WireFormat, streamed: bool) -> dict[str, Any]:
    if not streamed:
        return jsonx.loads(convert_response(fixture(upstream, "response.json"), upstream, client))
    bridge_out = b""
    stream = StreamBridge(upstream, client)
    data = fixture(upstream, "stream.sse")
    for i in range(0, len(data), 3):
        bridge_out += stream.feed(data[i : i + 3])
    bridge_out += stream.finish()
    # What the client's SDK accumulates from the stream.
    answer = fold(decode_stream(client, bridge_out))
    return jsonx.loads(CODECS[client].encode_response(answer))


def _upstream_next(
    upstream: WireFormat, client: WireFormat, streamed: bool
) -> tuple[dict[str, Any], LossReport]:
    answer = _client_answer(upstream, client, streamed)
    losses = LossReport()
    model = "gemini-2.5-flash" if client == WireFormat.GEMINI else None
    body = convert_request(next_turn(client, answer), client, upstream, losses, model=model)
    return jsonx.loads(body), losses


@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize(
    "client", [WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES, WireFormat.GEMINI]
)
def test_claude_signature_round_trip(client: WireFormat, streamed: bool) -> None:
    upstream = WireFormat.ANTHROPIC_MESSAGES
    body, losses = _upstream_next(upstream, client, streamed)
    assistant = body["messages"][1]["content"]
    thinking_text = (
        "The user wants the weather." if streamed else "The user wants the weather in Paris."
    )
    assert assistant[0] == {
        "type": "thinking", "thinking": thinking_text, "signature": "EqQBCkYIBRgCKkBclaudeSignature==",
    }  # fmt: skip
    call = next(b for b in assistant if b["type"] == "tool_use")
    original = fixture_json(upstream, "response.json")["content"][2]["id"]
    assert call["id"] == original
    assert body["messages"][2]["content"][0]["tool_use_id"] == original
    assert body["thinking"]["type"] == "enabled"
    assert "thinking" not in losses.fields()


@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize(
    "client",
    [WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES, WireFormat.ANTHROPIC_MESSAGES],
)
def test_gemini_thought_signature_round_trip(client: WireFormat, streamed: bool) -> None:
    body, losses = _upstream_next(WireFormat.GEMINI, client, streamed)
    model_turn = body["contents"][1]
    (call_part,) = [p for p in model_turn["parts"] if "functionCall" in p]
    assert call_part["thoughtSignature"] == "CiQBVKhc7geminiSignature=="
    assert call_part["functionCall"]["args"] == {"city": "Paris"}
    assert "id" not in call_part["functionCall"]  # Gemini gave none; ours stay private
    response = body["contents"][2]["parts"][0]["functionResponse"]
    assert response["name"] == "get_weather"
    assert "thought_signature" not in losses.fields()


@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize(
    "client", [WireFormat.OPENAI_CHAT, WireFormat.ANTHROPIC_MESSAGES, WireFormat.GEMINI]
)
def test_responses_encrypted_content_round_trip(client: WireFormat, streamed: bool) -> None:
    body, _ = _upstream_next(WireFormat.OPENAI_RESPONSES, client, streamed)
    (reasoning,) = [i for i in body["input"] if i.get("type") == "reasoning"]
    assert reasoning["encrypted_content"] == "gAAAAABoqvEncryptedReasoning=="
    assert reasoning["id"] == "rs_68af4"
    (call,) = [i for i in body["input"] if i.get("type") == "function_call"]
    (output,) = [i for i in body["input"] if i.get("type") == "function_call_output"]
    assert call["call_id"] == output["call_id"] == "call_Xq2"
    assert body["store"] is False and body["include"] == ["reasoning.encrypted_content"]


@pytest.mark.parametrize(("upstream", "client"), PAIRS)
def test_tool_ids_come_back_unchanged(upstream: WireFormat, client: WireFormat) -> None:
    body, _ = _upstream_next(upstream, client, streamed=False)
    request = CODECS[upstream].decode_request(jsonx.dumps(body), LossReport())
    calls = [b.id for m in request.messages for b in m.blocks if b.kind == "tool_call"]
    results = [
        b.tool_call_id for m in request.messages for b in m.blocks if b.kind == "tool_result"
    ]
    assert calls == results
    assert all("__rg__" not in value for value in calls)
