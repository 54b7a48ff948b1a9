"""Field mappings between formats: reasoning, structured output, tool choice, suffixes, usage."""

from __future__ import annotations

from typing import Any

import pytest

from relaygate.kit import jsonx
from relaygate.protocols import ir
from relaygate.protocols.codecs import CODECS, convert_request
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport
from relaygate.protocols.suffixes import apply_thinking_suffix, split_thinking_suffix

CHAT, RESPONSES, CLAUDE, GEMINI = list(WireFormat)
HI = [{"role": "user", "content": "hi"}]


def _to(
    dst: WireFormat, body: dict[str, Any], src: WireFormat = CHAT, **kw: Any
) -> tuple[dict[str, Any], LossReport]:
    losses = LossReport()
    out = convert_request(jsonx.dumps(body), src, dst, losses, **kw)
    return jsonx.loads(out), losses


@pytest.mark.parametrize(
    ("effort", "budget"), [("minimal", 1024), ("low", 2048), ("medium", 8192), ("high", 24576)]
)
def test_reasoning_effort_to_claude_budget(effort: str, budget: int) -> None:
    body, losses = _to(
        CLAUDE, {"model": "c", "messages": HI, "reasoning_effort": effort, "max_tokens": 64000}
    )
    assert body["thinking"] == {"type": "enabled", "budget_tokens": budget}
    assert losses.fields("coerced") == ["reasoning_effort"]


def test_reasoning_effort_to_gemini_budget_and_level() -> None:
    body, _ = _to(
        GEMINI, {"model": "g", "messages": HI, "reasoning_effort": "low"}, model="gemini-2.5-pro"
    )
    assert body["generationConfig"]["thinkingConfig"] == {
        "includeThoughts": True,
        "thinkingBudget": 2048,
    }
    body, _ = _to(
        GEMINI,
        {"model": "g", "messages": HI, "reasoning_effort": "low"},
        model="gemini-3-pro-preview",
    )
    assert body["generationConfig"]["thinkingConfig"] == {
        "includeThoughts": True,
        "thinkingLevel": "low",
    }


def test_claude_budget_to_openai_effort_and_back() -> None:
    claude = {
        "model": "c",
        "max_tokens": 9000,
        "messages": HI,
        "thinking": {"type": "enabled", "budget_tokens": 2000},
    }
    body, losses = _to(CHAT, claude, src=CLAUDE)
    assert body["reasoning_effort"] == "low"
    assert losses.fields("coerced") == ["thinking.budget_tokens"]
    body, _ = _to(RESPONSES, claude, src=CLAUDE)
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    body, _ = _to(GEMINI, claude, src=CLAUDE, model="gemini-2.5-flash")
    assert body["generationConfig"]["thinkingConfig"] == {
        "includeThoughts": True,
        "thinkingBudget": 2000,
    }


def test_thinking_disabled_maps_to_budget_zero() -> None:
    claude = {"model": "c", "max_tokens": 100, "messages": HI, "thinking": {"type": "disabled"}}
    body, _ = _to(GEMINI, claude, src=CLAUDE, model="gemini-2.5-flash")
    assert body["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 0}
    gemini = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "generationConfig": {"thinkingConfig": {"thinkingBudget": 0}},
    }
    body, _ = _to(CLAUDE, gemini, src=GEMINI, model="claude-x")
    assert body["thinking"] == {"type": "disabled"}


def test_json_schema_maps_everywhere() -> None:
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
    chat = {
        "model": "m",
        "messages": HI,
        "response_format": {"type": "json_schema", "json_schema": {"name": "r", "schema": schema}},
    }
    body, _ = _to(CLAUDE, chat)
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    body, _ = _to(GEMINI, chat, model="gemini-2.5-flash")
    assert body["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseJsonSchema": schema,
    }
    body, _ = _to(RESPONSES, chat)
    assert body["text"] == {"format": {"type": "json_schema", "name": "r", "schema": schema}}


def test_gemini_openapi_response_schema_is_normalized_for_others() -> None:
    gemini = {
        "contents": [{"role": "user", "parts": [{"text": "route"}]}],
        "generationConfig": {
            "responseMimeType": "application/json",
            "responseSchema": {
                "type": "OBJECT",
                "properties": {"n": {"type": "INTEGER", "minimum": 1}},
            },
        },
    }
    body, _ = _to(CHAT, gemini, src=GEMINI, model="m")
    expected = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}
    assert body["response_format"]["json_schema"]["schema"] == expected


@pytest.mark.parametrize(
    ("choice", "claude", "gemini"),
    [
        ("auto", {"type": "auto"}, {"mode": "AUTO"}),
        ("none", {"type": "none"}, {"mode": "NONE"}),
        ("required", {"type": "any"}, {"mode": "ANY"}),
        (
            {"type": "function", "function": {"name": "f"}},
            {"type": "tool", "name": "f"},
            {"mode": "ANY", "allowedFunctionNames": ["f"]},
        ),
    ],
)
def test_tool_choice(choice: Any, claude: dict[str, Any], gemini: dict[str, Any]) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    chat = {"model": "m", "messages": HI, "tools": tools, "tool_choice": choice}
    assert _to(CLAUDE, chat)[0]["tool_choice"] == claude
    assert _to(GEMINI, chat, model="g")[0]["toolConfig"] == {"functionCallingConfig": gemini}


def test_parallel_tool_calls_off() -> None:
    chat = {"model": "m", "messages": HI, "parallel_tool_calls": False}
    assert _to(CLAUDE, chat)[0]["tool_choice"] == {
        "type": "auto",
        "disable_parallel_tool_use": True,
    }
    assert _to(GEMINI, chat, model="g")[1].fields() == ["parallel_tool_calls"]


def test_system_prompts_everywhere() -> None:
    chat = {"model": "m", "messages": [{"role": "system", "content": "S"}, *HI]}
    assert _to(CLAUDE, chat)[0]["system"] == "S"
    assert _to(GEMINI, chat, model="g")[0]["systemInstruction"] == {"parts": [{"text": "S"}]}
    assert _to(RESPONSES, chat)[0]["instructions"] == "S"
    responses = {"model": "m", "instructions": "I", "input": "hi"}
    assert _to(CHAT, responses, src=RESPONSES)[0]["messages"] == [
        {"role": "system", "content": "I"}, {"role": "user", "content": "hi"},
    ]  # fmt: skip


def test_parallel_tool_results_split_and_merge() -> None:
    calls = [
        {"id": f"c{i}", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        for i in (1, 2)
    ]
    chat = {"model": "m", "messages": [*HI, {"role": "assistant", "content": None, "tool_calls": calls},
        {"role": "tool", "tool_call_id": "c1", "content": "a"}, {"role": "tool", "tool_call_id": "c2", "content": "b"}]}  # fmt: skip
    claude, _ = _to(CLAUDE, chat)
    assert [b["tool_use_id"] for b in claude["messages"][2]["content"]] == ["c1", "c2"]
    back, _ = _to(CHAT, claude, src=CLAUDE)
    assert [m.get("tool_call_id") for m in back["messages"][2:]] == ["c1", "c2"]
    gemini, _ = _to(GEMINI, chat, model="g")
    assert [p["functionResponse"]["name"] for p in gemini["contents"][2]["parts"]] == ["f", "f"]


def test_gemini_calls_without_ids_get_matched_results() -> None:
    gemini = {"contents": [
        {"role": "user", "parts": [{"text": "hi"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "a", "args": {}}}, {"functionCall": {"name": "b", "args": {}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "b", "response": {"output": "B"}}}, {"functionResponse": {"name": "a", "response": {"output": "A"}}}]},
    ]}  # fmt: skip
    chat, _ = _to(CHAT, gemini, src=GEMINI, model="m")
    ids = {c["function"]["name"]: c["id"] for c in chat["messages"][1]["tool_calls"]}
    assert [(m["tool_call_id"], m["content"]) for m in chat["messages"][2:]] == [
        (ids["b"], "B"),
        (ids["a"], "A"),
    ]


def test_gemini_three_gets_placeholder_signature_for_foreign_calls() -> None:
    calls = [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    chat = {
        "model": "m",
        "messages": [
            *HI,
            {"role": "assistant", "content": None, "tool_calls": calls},
            {"role": "tool", "tool_call_id": "c1", "content": "x"},
        ],
    }
    body, losses = _to(GEMINI, chat, model="gemini-3-pro-preview")
    assert body["contents"][1]["parts"][0]["thoughtSignature"] == "skip_thought_signature_validator"
    assert losses.fields("coerced") == ["thought_signature"]


def test_images_url_and_base64() -> None:
    claude = {"model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "url", "url": "https://x/y.png"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "AAAA"}}]}]}  # fmt: skip
    chat, _ = _to(CHAT, claude, src=CLAUDE)
    assert [p["image_url"]["url"] for p in chat["messages"][0]["content"]] == [
        "https://x/y.png",
        "data:image/jpeg;base64,AAAA",
    ]
    gemini, _ = _to(GEMINI, claude, src=CLAUDE, model="g")
    assert gemini["contents"][0]["parts"] == [
        {"fileData": {"fileUri": "https://x/y.png", "mimeType": "image/png"}},
        {"inlineData": {"mimeType": "image/jpeg", "data": "AAAA"}},
    ]


def test_usage_meanings_are_translated() -> None:
    usage = ir.Usage(
        input_tokens=100,
        output_tokens=30,
        cache_read_tokens=60,
        cache_write_tokens=10,
        reasoning_tokens=5,
    )
    response = ir.Response("id", "m", [ir.TextBlock("x")], "stop", usage)
    claude = jsonx.loads(CODECS[CLAUDE].encode_response(response))["usage"]
    assert claude == {
        "input_tokens": 30,
        "output_tokens": 30,
        "cache_creation_input_tokens": 10,
        "cache_read_input_tokens": 60,
    }
    gemini = jsonx.loads(CODECS[GEMINI].encode_response(response))["usageMetadata"]
    assert gemini == {
        "promptTokenCount": 100,
        "candidatesTokenCount": 25,
        "totalTokenCount": 130,
        "cachedContentTokenCount": 60,
        "thoughtsTokenCount": 5,
    }
    for fmt in WireFormat:
        back = CODECS[fmt].decode_response(CODECS[fmt].encode_response(response)).usage
        assert (back.input_tokens, back.output_tokens, back.cache_read_tokens) == (100, 30, 60)


@pytest.mark.parametrize(
    ("reason", "chat", "claude", "gemini"),
    [("stop", "stop", "end_turn", "STOP"), ("length", "length", "max_tokens", "MAX_TOKENS"),
     ("tool_calls", "tool_calls", "tool_use", "STOP"), ("content_filter", "content_filter", "refusal", "SAFETY")],
)  # fmt: skip
def test_finish_reasons(reason: Any, chat: str, claude: str, gemini: str) -> None:
    response = ir.Response("id", "m", [ir.TextBlock("x")], reason)
    assert (
        jsonx.loads(CODECS[CHAT].encode_response(response))["choices"][0]["finish_reason"] == chat
    )
    assert jsonx.loads(CODECS[CLAUDE].encode_response(response))["stop_reason"] == claude
    assert (
        jsonx.loads(CODECS[GEMINI].encode_response(response))["candidates"][0]["finishReason"]
        == gemini
    )
    status = jsonx.loads(CODECS[RESPONSES].encode_response(response))["status"]
    assert status == ("incomplete" if reason in ("length", "content_filter") else "completed")


@pytest.mark.parametrize(
    ("model", "base", "reasoning"),
    [
        ("claude-sonnet-4-5-thinking", "claude-sonnet-4-5", ir.Reasoning(enabled=True, budget_tokens=8192, include_thoughts=True)),
        ("gemini-2.5-flash-thinking-4096", "gemini-2.5-flash", ir.Reasoning(enabled=True, budget_tokens=4096, include_thoughts=True)),
        ("gemini-2.5-flash-nothinking", "gemini-2.5-flash", ir.Reasoning(enabled=False, budget_tokens=0)),
        ("gpt-4o", "gpt-4o", None),
    ],
)  # fmt: skip
def test_thinking_suffixes(model: str, base: str, reasoning: ir.Reasoning | None) -> None:
    assert split_thinking_suffix(model) == (base, reasoning)
    request = ir.Request(model=model)
    assert apply_thinking_suffix(request) is (reasoning is not None)
    assert request.model == base


def test_unsigned_thinking_never_reaches_anthropic_silently() -> None:
    chat = {
        "model": "m",
        "max_tokens": 10,
        "messages": [*HI, {"role": "assistant", "content": "ok", "reasoning_content": "hmm"}, *HI],
    }
    body, losses = _to(CLAUDE, chat)
    assert body["messages"][1]["content"] == [{"type": "text", "text": "ok"}]
    assert losses.fields("dropped") == ["thinking"]
    assert losses.to_dict()["dropped"][0]["field"] == "thinking"
    assert losses.header_value() == "dropped=thinking"
