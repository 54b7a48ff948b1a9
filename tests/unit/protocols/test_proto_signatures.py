"""Reasoning proofs survive a round trip through a client that speaks another format.

The upstream answers with a proof (Claude thinking signature, Gemini thoughtSignature, Responses
encrypted_content); the client gets the answer in its own format, replays it the way the real
client does on the next turn (OpenAI chat clients without ``reasoning_content``; Gemini CLI
without thought parts), and the converted next request must carry the proof byte for byte.
"""

from __future__ import annotations

from typing import Any

import pytest
from proto_support import PAIRS, decode_stream, fixture, fixture_json, fold

from relaygate.kit import jsonx
from relaygate.protocols.codecs import CODECS, convert_request, convert_response
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport

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


def _client_answer(upstream: WireFormat, client: WireFormat, streamed: bool) -> dict[str, Any]:
    if not streamed:
        return jsonx.loads(convert_response(fixture(upstream, "response.json"), upstream, client))
    bridge_out = b""
    from relaygate.protocols.codecs import StreamBridge

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
    body, losses = _upstream_next(WireFormat.OPENAI_RESPONSES, client, streamed)
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
