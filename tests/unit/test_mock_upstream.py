"""The mock upstream's wire output parses with the official SDKs, and its faults fire as configured."""

from __future__ import annotations

import time
from collections.abc import Iterator

import anthropic
import httpx
import openai
import orjson
import pytest
from google import genai
from google.genai import types as genai_types
from tests.support.mock_upstream import (
    PROMPT_BASE_TOKENS,
    TOOL_CALL_TOKENS,
    MockUpstream,
    expected_usage,
    reasoning_text,
    reply_text,
)

HELLO = [{"role": "user", "content": "Hello there mock, how are you?"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city", "days"],
        },
    },
}


@pytest.fixture
def oai(mock_upstream: MockUpstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=mock_upstream.url + "/v1", api_key="sk-openai", max_retries=0
    ) as client:
        yield client


@pytest.fixture
def claude(mock_upstream: MockUpstream) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(
        base_url=mock_upstream.url, api_key="sk-claude", max_retries=0
    ) as client:
        yield client


@pytest.fixture
def gemini(mock_upstream: MockUpstream) -> Iterator[genai.Client]:
    options = genai_types.HttpOptions(
        base_url=mock_upstream.url,
        api_version="v1beta",
        retry_options=genai_types.HttpRetryOptions(attempts=1),
    )
    client = genai.Client(api_key="g-key", http_options=options)
    try:
        yield client
    finally:
        client.close()


# ----------------------------------------------------------------------------- OpenAI


def test_openai_json_reply_and_usage(oai: openai.OpenAI, mock_upstream: MockUpstream) -> None:
    request = {"model": "mock-chat", "messages": HELLO}
    completion = oai.chat.completions.create(**request)  # type: ignore[call-overload]
    assert completion.choices[0].message.content == reply_text(6) == mock_upstream.last_reply_text
    assert completion.choices[0].finish_reason == "stop"
    usage = expected_usage(request)
    assert usage == {
        "prompt_tokens": PROMPT_BASE_TOKENS + 6,
        "completion_tokens": 7,
        "reasoning_tokens": 0,
        "total_tokens": 18,
    }
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (11, 7)
    recorded = mock_upstream.last_request
    assert (recorded.path, recorded.key, recorded.json, recorded.usage) == (
        "/v1/chat/completions",
        "sk-openai",
        request,
        usage,
    )
    assert recorded.headers["authorization"] == "Bearer sk-openai"


def test_openai_stream_with_usage_chunk(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model="mock-chat",
        messages=HELLO,
        stream=True,
        stream_options={"include_usage": True},
        extra_headers={"x-mock-chunks": "3"},
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    content = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert len(content) == 3
    assert "".join(content) == reply_text(6)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 18
    assert all(c.usage is None for c in chunks[:-1])


def test_openai_stream_without_include_usage_has_no_usage_chunk(
    mock_upstream: MockUpstream,
) -> None:
    body = {"model": "mock-chat", "messages": HELLO, "stream": True}
    with httpx.Client(base_url=mock_upstream.url) as client:
        raw = client.post("/v1/chat/completions", json=body).text
    frames = [f for f in raw.split("\n\n") if f]
    assert frames[-1] == "data: [DONE]"
    payloads = [orjson.loads(f.removeprefix("data: ")) for f in frames[:-1]]
    assert all("usage" not in p and p["object"] == "chat.completion.chunk" for p in payloads)
    assert payloads[-1]["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }


def test_openai_streamed_tool_call_and_reasoning(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model="mock-chat",
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        reasoning_effort="low",
        stream=True,
        stream_options={"include_usage": True},
    )
    reasoning, arguments, names, finish, usage = "", "", [], None, None
    for chunk in stream:
        usage = chunk.usage or usage
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        reasoning += getattr(delta, "reasoning_content", None) or ""
        for call in delta.tool_calls or ():
            names += [call.function.name] if call.function and call.function.name else []
            arguments += (call.function.arguments or "") if call.function else ""
        finish = chunk.choices[0].finish_reason or finish
    assert reasoning == reasoning_text(3)
    assert names == ["get_weather"]
    assert orjson.loads(arguments) == {"city": "mock", "days": 1}
    assert finish == "tool_calls"
    assert usage is not None
    assert usage.completion_tokens == len(reasoning.split()) + TOOL_CALL_TOKENS
    assert usage.completion_tokens_details is not None
    assert usage.completion_tokens_details.reasoning_tokens == len(reasoning.split())


def test_openai_answers_text_after_a_tool_result(oai: openai.OpenAI) -> None:
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny and warm"},
    ]
    completion = oai.chat.completions.create(
        model="mock-chat", messages=messages, tools=[WEATHER_TOOL]
    )  # type: ignore[arg-type, list-item]
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].message.content == reply_text(3)
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == PROMPT_BASE_TOKENS + 3 + 3


def test_openai_max_tokens_truncates(oai: openai.OpenAI) -> None:
    completion = oai.chat.completions.create(model="mock-chat", messages=HELLO, max_tokens=3)
    assert completion.choices[0].message.content == "Hello from mock."
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 3


def test_models_and_embeddings(oai: openai.OpenAI) -> None:
    assert "mock-chat" in {m.id for m in oai.models.list()}
    embedding = oai.embeddings.create(model="mock-embed", input=["one two", "three"])
    assert len(embedding.data) == 2
    assert embedding.usage.prompt_tokens == 3


# -------------------------------------------------------------------------- Anthropic


def test_anthropic_json_with_thinking(claude: anthropic.Anthropic) -> None:
    request = {
        "model": "mock-chat",
        "max_tokens": 1024,
        "messages": HELLO,
        "thinking": {"type": "enabled", "budget_tokens": 512},
    }
    message = claude.messages.create(**request)  # type: ignore[call-overload]
    thinking, text = message.content
    assert thinking.type == "thinking"
    assert thinking.thinking == reasoning_text(6)
    assert thinking.signature
    assert text.type == "text"
    assert text.text == reply_text(6)
    assert message.stop_reason == "end_turn"
    usage = expected_usage(request)
    assert (message.usage.input_tokens, message.usage.output_tokens) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )
    assert usage["completion_tokens"] == 7 + len(reasoning_text(6).split())


def test_anthropic_stream_event_sequence(
    mock_upstream: MockUpstream, claude: anthropic.Anthropic
) -> None:
    with claude.messages.stream(
        model="mock-chat", max_tokens=64, system="Be brief.", messages=HELLO
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == reply_text(6)
    assert final.usage.input_tokens == PROMPT_BASE_TOKENS + 2 + 6
    assert final.usage.output_tokens == 7
    body = {"model": "mock-chat", "max_tokens": 64, "messages": HELLO, "stream": True}
    with httpx.Client(base_url=mock_upstream.url) as client:
        raw = client.post("/v1/messages", json=body, headers={"x-api-key": "k"}).text
    events = [
        frame.split("\n", 1)[0].removeprefix("event: ") for frame in raw.split("\n\n") if frame
    ]
    assert events == [
        "message_start",
        "ping",
        "content_block_start",
        *["content_block_delta"] * 7,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]


def test_anthropic_streamed_tool_use(claude: anthropic.Anthropic) -> None:
    tool = {
        "name": "lookup",
        "description": "look up",
        "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}},
    }
    with claude.messages.stream(
        model="mock-chat",
        max_tokens=2048,
        messages=HELLO,
        tools=[tool],  # type: ignore[list-item]
        thinking={"type": "enabled", "budget_tokens": 1024},
    ) as stream:
        final = stream.get_final_message()
    kinds = [block.type for block in final.content]
    assert kinds == ["thinking", "tool_use"]
    tool_use = final.content[1]
    assert tool_use.type == "tool_use"
    assert (tool_use.name, tool_use.input) == ("lookup", {"query": "mock"})
    assert final.stop_reason == "tool_use"
    assert final.usage.output_tokens == TOOL_CALL_TOKENS + len(reasoning_text(6).split())


# ----------------------------------------------------------------------------- Gemini


def test_gemini_generate_content(gemini: genai.Client, mock_upstream: MockUpstream) -> None:
    response = gemini.models.generate_content(
        model="mock-chat", contents="Hello from a gemini test"
    )
    assert response.text == reply_text(5)
    assert response.usage_metadata is not None
    assert response.usage_metadata.prompt_token_count == PROMPT_BASE_TOKENS + 5
    assert response.usage_metadata.candidates_token_count == 7
    assert mock_upstream.last_request.path == "/v1beta/models/mock-chat:generateContent"
    assert mock_upstream.last_request.key == "g-key"


def test_gemini_stream_with_thoughts(gemini: genai.Client) -> None:
    config = genai_types.GenerateContentConfig(
        thinking_config=genai_types.ThinkingConfig(include_thoughts=True)
    )
    chunks = list(
        gemini.models.generate_content_stream(model="mock-chat", contents="Hi there", config=config)
    )
    parts = [part for chunk in chunks for part in (chunk.candidates or [])[0].content.parts or []]  # type: ignore[union-attr]
    thoughts = "".join(p.text or "" for p in parts if p.thought)
    text = "".join(p.text or "" for p in parts if not p.thought)
    assert (thoughts, text) == (reasoning_text(2), reply_text(2))
    last = chunks[-1]
    assert last.candidates is not None
    assert last.candidates[0].finish_reason == genai_types.FinishReason.STOP
    assert last.usage_metadata is not None
    assert last.usage_metadata.thoughts_token_count == len(thoughts.split())
    assert last.usage_metadata.total_token_count == PROMPT_BASE_TOKENS + 2 + 7 + len(
        thoughts.split()
    )


def test_gemini_function_call_has_thought_signature(gemini: genai.Client) -> None:
    declaration = genai_types.FunctionDeclaration(
        name="get_weather",
        parameters=genai_types.Schema(
            type=genai_types.Type.OBJECT,
            properties={"city": genai_types.Schema(type=genai_types.Type.STRING)},
            required=["city"],
        ),
    )
    config = genai_types.GenerateContentConfig(
        tools=[genai_types.Tool(function_declarations=[declaration])],
        automatic_function_calling=genai_types.AutomaticFunctionCallingConfig(disable=True),
    )
    response = gemini.models.generate_content(
        model="mock-chat", contents="Weather in Paris?", config=config
    )
    assert response.candidates is not None
    part = response.candidates[0].content.parts[0]  # type: ignore[union-attr, index]
    assert part.function_call is not None
    assert (part.function_call.name, part.function_call.args) == ("get_weather", {"city": "mock"})
    assert part.thought_signature


def test_prompt_tokens_agree_across_formats() -> None:
    openai_body = {
        "model": "m",
        "messages": [
            {"role": "system", "content": "be kind"},
            {"role": "user", "content": [{"type": "text", "text": "one two three"}]},
        ],
    }
    claude_body = {
        "model": "m",
        "max_tokens": 9,
        "system": [{"type": "text", "text": "be kind"}],
        "messages": [{"role": "user", "content": "one two three"}],
    }
    gemini_body = {
        "systemInstruction": {"parts": [{"text": "be kind"}]},
        "contents": [{"role": "user", "parts": [{"text": "one two three"}]}],
    }
    usages = [
        expected_usage(openai_body),
        expected_usage(claude_body),
        expected_usage(gemini_body, model="m"),
    ]
    assert usages[0] == usages[1] == usages[2]
    assert usages[0]["prompt_tokens"] == PROMPT_BASE_TOKENS + 5


def test_stream_shape_from_model_name(mock_upstream: MockUpstream) -> None:
    body = {"model": "mock-chunks20", "messages": HELLO, "stream": True}
    with httpx.Client(base_url=mock_upstream.url) as client:
        raw = client.post("/v1/chat/completions", json=body).text
    contents = [
        orjson.loads(f[6:])["choices"][0]["delta"].get("content")
        for f in raw.split("\n\n")
        if f.startswith("data: {")
    ]
    assert len([c for c in contents if c]) == 20
    assert expected_usage(body)["completion_tokens"] == 20


# ------------------------------------------------------------------------------ faults


def test_status_fault_scoped_by_key_and_times(mock_upstream: MockUpstream) -> None:
    mock_upstream.fail(500, times=2, key="sk-bad")
    with (
        openai.OpenAI(base_url=mock_upstream.url + "/v1", api_key="sk-bad", max_retries=0) as bad,
        openai.OpenAI(base_url=mock_upstream.url + "/v1", api_key="sk-good", max_retries=0) as good,
    ):
        for _ in range(2):
            with pytest.raises(openai.InternalServerError) as caught:
                bad.chat.completions.create(model="mock-chat", messages=HELLO)  # type: ignore[arg-type]
            assert caught.value.body["type"] == "server_error"  # type: ignore[index]
            assert good.chat.completions.create(model="mock-chat", messages=HELLO).choices  # type: ignore[arg-type]
        assert bad.chat.completions.create(model="mock-chat", messages=HELLO).choices  # type: ignore[arg-type]
    (fault,) = mock_upstream.faults()
    assert (fault.hits, fault.times) == (2, 0)
    assert [r.fault_id is not None for r in mock_upstream.requests(key="sk-bad")] == [
        True,
        True,
        False,
    ]


def test_fault_body_in_each_format(
    mock_upstream: MockUpstream, claude: anthropic.Anthropic, gemini: genai.Client
) -> None:
    mock_upstream.fail(529, times=1, format="anthropic")
    with pytest.raises(anthropic.APIStatusError) as caught:
        claude.messages.create(model="mock-chat", max_tokens=8, messages=HELLO)  # type: ignore[arg-type]
    assert caught.value.status_code == 529
    assert caught.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]
    mock_upstream.fail(
        429,
        times=1,
        format="gemini",
        body={"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}},
    )
    with pytest.raises(genai.errors.ClientError) as gemini_error:
        gemini.models.generate_content(model="mock-chat", contents="hi")
    assert gemini_error.value.code == 429
    assert gemini_error.value.status == "RESOURCE_EXHAUSTED"


def test_cut_stream_breaks_the_sdk_stream(oai: openai.OpenAI, mock_upstream: MockUpstream) -> None:
    mock_upstream.fail(mode="cut_stream", after_chunks=3, times=1)
    seen = []
    with pytest.raises((httpx.RemoteProtocolError, openai.APIError)):  # noqa: PT012
        for chunk in oai.chat.completions.create(model="mock-chat", messages=HELLO, stream=True):
            seen.append(chunk)
    assert len(seen) == 3


def test_timeout_fault(mock_upstream: MockUpstream) -> None:
    mock_upstream.fail(mode="timeout", times=1)
    with (
        openai.OpenAI(
            base_url=mock_upstream.url + "/v1", api_key="k", max_retries=0, timeout=0.3
        ) as client,
        pytest.raises(openai.APITimeoutError),
    ):
        client.chat.completions.create(model="mock-chat", messages=HELLO)  # type: ignore[arg-type]


def test_stream_error_event(claude: anthropic.Anthropic, mock_upstream: MockUpstream) -> None:
    mock_upstream.fail(mode="stream_error", after_chunks=4, times=1)
    with (
        pytest.raises(anthropic.APIStatusError, match="Overloaded"),
        claude.messages.stream(model="mock-chat", max_tokens=64, messages=HELLO) as stream,  # type: ignore[arg-type]
    ):
        for _ in stream:
            pass


def test_control_api_over_http(mock_upstream: MockUpstream) -> None:
    with httpx.Client(base_url=mock_upstream.url) as client:
        created = client.post(
            "/_mock/faults",
            json={"status": 503, "times": 1, "match": {"key": "sk-x", "path": "/v1/chat"}},
        )
        assert isinstance(created.json()["id"], int)
        assert client.post("/_mock/faults", json={"mode": "nope"}).status_code == 400
        body = {"model": "mock-chat", "messages": HELLO}
        assert (
            client.post(
                "/v1/chat/completions", json=body, headers={"Authorization": "Bearer sk-x"}
            ).status_code
            == 503
        )
        assert (
            client.post(
                "/v1/chat/completions", json=body, headers={"Authorization": "Bearer sk-x"}
            ).status_code
            == 200
        )
        assert client.get("/_mock/faults").json()[0]["hits"] == 1
        recorded = client.get("/_mock/requests", params={"key": "sk-x"}).json()
        assert [r["path"] for r in recorded] == ["/v1/chat/completions"] * 2
        assert recorded[0]["json"] == body
        assert client.delete("/_mock/requests").status_code == 200
        assert client.get("/_mock/requests").json() == []
        client.post("/_mock/config", json={"chunks": 2, "delay_ms": 1})
        assert mock_upstream.state.defaults.chunks == 2
        assert client.post("/_mock/reset").status_code == 200
        assert client.get("/_mock/faults").json() == []
        assert mock_upstream.state.defaults.chunks is None


def test_valid_keys_and_delays(mock_upstream: MockUpstream) -> None:
    body = {"model": "mock-chat", "messages": HELLO, "stream": True}
    mock_upstream.configure(valid_keys=["sk-only"])
    with httpx.Client(base_url=mock_upstream.url) as client:
        denied = client.post("/v1/messages", json=body, headers={"x-api-key": "sk-other"})
        assert denied.status_code == 401
        assert denied.json()["error"]["type"] == "authentication_error"
        mock_upstream.configure(valid_keys=None)
        mock_upstream.fail(mode="slow_first_byte", delay_ms=200, times=1)
        started = time.perf_counter()
        with client.stream("POST", "/v1/chat/completions", json=body) as response:
            headers_after = time.perf_counter() - started
            response.read()
            body_after = time.perf_counter() - started
        assert body_after >= 0.2
        assert body_after - headers_after >= 0.15  # headers came first, the body after the delay
        started = time.perf_counter()
        client.post(
            "/v1/chat/completions",
            json=body,
            headers={"x-mock-delay-ms": "20", "x-mock-chunks": "5"},
        )
        assert time.perf_counter() - started >= 5 * 0.02


def test_gemini_stream_without_sse_is_a_json_array(mock_upstream: MockUpstream) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "one two"}]}]}
    with httpx.Client(base_url=mock_upstream.url) as client:
        answer = client.post("/v1beta/models/mock-chat:streamGenerateContent", json=body)
    chunks = answer.json()
    assert isinstance(chunks, list)
    assert "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks) == reply_text(
        2
    )
    assert (
        chunks[-1]["usageMetadata"]["totalTokenCount"]
        == expected_usage(body, model="mock-chat")["total_tokens"]
    )
