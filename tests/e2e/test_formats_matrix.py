"""Every client format against every channel format, through the official SDKs.

Four clients (``openai`` chat and Responses, ``anthropic``, ``google-genai``) × three channel
types on the mock upstream (OpenAI 1, Anthropic 14, Gemini 24) × stream and non-stream. Each
case checks what the client sees against what the mock answered, what the mock received (path
and body in the channel's format) and the log row's quota (ratio 1: prompt + completion).

The full matrix runs on SQLite; a smaller subset (plain text for every pair, the signature
round trip for the converting pairs) runs on PostgreSQL. Bad input per inbound format is at the
end: malformed body, wrong key, unknown model, upstream 5xx.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import types as gtypes
from tests.e2e.conftest import start_gateway
from tests.e2e.relay_env import RelayEnv, unique
from tests.support.gateway import ApiUser, Gateway
from tests.support.mock_responses import encrypted_content, responses_plan
from tests.support.mock_upstream import MockUpstream, RecordedRequest, _signature, plan_for

from relaygate.kit import jsonx

CLIENTS = ("chat", "responses", "claude", "gemini")
CHANNELS = {"openai": 1, "anthropic": 14, "gemini": 24}
PROMPT = "hello there my friend"
TOOL_PROMPT = "what is the weather in paris"
TOOL_OUTPUT = "sunny and warm today"
WEATHER = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name"}},
        "required": ["city"],
    },
}
WEATHER_ARGS = {"city": "mock"}
# A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
PNG_B64 = base64.b64encode(PNG).decode()
THINK_BUDGET = 1024
UNLIMITED = {
    f"{name}_RATE_LIMIT_ENABLE": "false"
    for name in ("GLOBAL_API", "GLOBAL_WEB", "CRITICAL", "SEARCH")
}
"""The matrix makes hundreds of /api and /v1 calls from one IP within a minute."""


# --------------------------------------------------------------------------- gateway, env


@pytest.fixture(scope="module")
def sqlite_gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    yield from start_gateway(request, "sqlite", tmp_path_factory.mktemp("gw-matrix"), UNLIMITED)


@pytest.fixture(scope="module")
def postgres_gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    yield from start_gateway(
        request, "postgres", tmp_path_factory.mktemp("gw-matrix-pg"), UNLIMITED
    )


@dataclass
class Setup:
    """One gateway's channels (one per channel type, module-wide) and their models."""

    models: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


_SETUPS: dict[int, Setup] = {}


def _setup(env: RelayEnv) -> Setup:
    found = _SETUPS.get(id(env.gateway))
    if found is not None:
        return found
    setup = Setup()
    env.set_option("RetryTimes", "0")
    env.set_option("AutomaticDisableChannelEnabled", "false")
    for name, channel_type in CHANNELS.items():
        model = unique(f"mx-{name[:2]}")
        env.price(model)
        setup.ids[name], setup.keys[name] = env.channel(model, channel_type=channel_type)
        setup.models[name] = model
    _SETUPS[id(env.gateway)] = setup
    return setup


@pytest.fixture
def sqlite_env(sqlite_gateway: Gateway, mock_upstream: MockUpstream) -> RelayEnv:
    return RelayEnv(gateway=sqlite_gateway, mock=mock_upstream)


@pytest.fixture
def postgres_env(postgres_gateway: Gateway, mock_upstream: MockUpstream) -> RelayEnv:
    return RelayEnv(gateway=postgres_gateway, mock=mock_upstream)


# ---------------------------------------------------------------------------- client side


@dataclass
class Call:
    """A tool call as the client saw it."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass
class Answer:
    """What one client call returned, in client-neutral terms plus the native turn to replay."""

    text: str
    reasoning: str
    calls: list[Call]
    replay: list[Any]
    """The assistant turn in the client's own format, as that client sends it back."""
    headers: httpx.Headers


class Client:
    """One SDK, driven the way its users drive it."""

    name = ""

    def __init__(self, gateway: Gateway, key: str) -> None:
        self.gateway = gateway
        self.key = key

    def user(self, text: str, image: bool = False) -> list[Any]:
        raise NotImplementedError

    def tool_result(self, call: Call, output: str) -> list[Any]:
        raise NotImplementedError

    def ask(
        self, model: str, history: list[Any], *, stream: bool, tools: bool, reasoning: bool
    ) -> Answer:
        raise NotImplementedError


class ChatClient(Client):
    name = "chat"

    def __init__(self, gateway: Gateway, key: str) -> None:
        super().__init__(gateway, key)
        self.sdk = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)

    def user(self, text: str, image: bool = False) -> list[Any]:
        if not image:
            return [{"role": "user", "content": text}]
        url = f"data:image/png;base64,{PNG_B64}"
        parts = [{"type": "text", "text": text}, {"type": "image_url", "image_url": {"url": url}}]
        return [{"role": "user", "content": parts}]

    def tool_result(self, call: Call, output: str) -> list[Any]:
        return [{"role": "tool", "tool_call_id": call.id, "content": output}]

    def ask(
        self, model: str, history: list[Any], *, stream: bool, tools: bool, reasoning: bool
    ) -> Answer:
        extra: dict[str, Any] = {}
        if tools:
            extra["tools"] = [{"type": "function", "function": WEATHER}]
        if reasoning:
            extra["reasoning_effort"] = "medium"
        if not stream:
            raw = self.sdk.chat.completions.with_raw_response.create(
                model=model, messages=history, **extra
            )
            reply = raw.parse()
            message = reply.choices[0].message
            text = message.content or ""
            thought = str((message.model_extra or {}).get("reasoning_content") or "")
            calls = [
                (c.id, c.function.name, c.function.arguments)
                for c in message.tool_calls or []
                if c.type == "function"
            ]
            headers = raw.headers
        else:
            chunks = self.sdk.chat.completions.create(
                model=model, messages=history, stream=True, **extra
            )
            headers = chunks.response.headers
            texts, thoughts = [], []
            pending: dict[int, list[str]] = {}
            for chunk in chunks:
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta
                texts.append(delta.content or "")
                thoughts.append(str((delta.model_extra or {}).get("reasoning_content") or ""))
                for piece in delta.tool_calls or []:
                    slot = pending.setdefault(piece.index, ["", "", ""])
                    if piece.id:
                        slot[0] = piece.id
                    if piece.function and piece.function.name:
                        slot[1] = piece.function.name
                    if piece.function and piece.function.arguments:
                        slot[2] += piece.function.arguments
            text, thought = "".join(texts), "".join(thoughts)
            calls = [tuple(pending[i]) for i in sorted(pending)]  # type: ignore[misc]
        turn: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            turn["tool_calls"] = [
                {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
                for i, n, a in calls
            ]
        return Answer(
            text,
            thought,
            [Call(i, n, jsonx.loads(a)) for i, n, a in calls],
            [turn],
            headers,
        )


class ResponsesClient(Client):
    name = "responses"

    def __init__(self, gateway: Gateway, key: str) -> None:
        super().__init__(gateway, key)
        self.sdk = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)

    def user(self, text: str, image: bool = False) -> list[Any]:
        content: list[dict[str, Any]] = [{"type": "input_text", "text": text}]
        if image:
            url = f"data:image/png;base64,{PNG_B64}"
            content.append({"type": "input_image", "image_url": url, "detail": "auto"})
        return [{"type": "message", "role": "user", "content": content}]

    def tool_result(self, call: Call, output: str) -> list[Any]:
        return [{"type": "function_call_output", "call_id": call.id, "output": output}]

    def ask(
        self, model: str, history: list[Any], *, stream: bool, tools: bool, reasoning: bool
    ) -> Answer:
        extra: dict[str, Any] = {"store": False}
        if tools:
            extra["tools"] = [{"type": "function", "strict": False, **WEATHER}]
        if reasoning:
            extra["reasoning"] = {"effort": "medium", "summary": "auto"}
            extra["include"] = ["reasoning.encrypted_content"]
        if not stream:
            raw = self.sdk.responses.with_raw_response.create(model=model, input=history, **extra)
            response = raw.parse()
            headers = raw.headers
        else:
            events = self.sdk.responses.create(model=model, input=history, stream=True, **extra)
            headers = events.response.headers
            completed = [e for e in events if e.type == "response.completed"]
            assert len(completed) == 1
            response = completed[0].response
        text, thought, calls, replay = "", "", [], []
        for item in response.output:
            replay.append(item.model_dump(exclude_none=True))
            if item.type == "message":
                text += "".join(p.text for p in item.content if p.type == "output_text")
            elif item.type == "reasoning":
                thought += "".join(s.text for s in item.summary)
            elif item.type == "function_call":
                calls.append(Call(item.call_id, item.name, jsonx.loads(item.arguments)))
        return Answer(text, thought, calls, replay, headers)


class ClaudeClient(Client):
    name = "claude"

    def __init__(self, gateway: Gateway, key: str) -> None:
        super().__init__(gateway, key)
        self.sdk = anthropic.Anthropic(base_url=gateway.url, api_key=key, max_retries=0)

    def user(self, text: str, image: bool = False) -> list[Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": text}]
        if image:
            source = {"type": "base64", "media_type": "image/png", "data": PNG_B64}
            content.insert(0, {"type": "image", "source": source})
        return [{"role": "user", "content": content}]

    def tool_result(self, call: Call, output: str) -> list[Any]:
        result = {"type": "tool_result", "tool_use_id": call.id, "content": output}
        return [{"role": "user", "content": [result]}]

    def ask(
        self, model: str, history: list[Any], *, stream: bool, tools: bool, reasoning: bool
    ) -> Answer:
        extra: dict[str, Any] = {"max_tokens": 512}
        if tools:
            tool = {k: v for k, v in WEATHER.items() if k != "parameters"}
            extra["tools"] = [{**tool, "input_schema": WEATHER["parameters"]}]
        if reasoning:
            extra["thinking"] = {"type": "enabled", "budget_tokens": THINK_BUDGET}
            extra["max_tokens"] = 2 * THINK_BUDGET
        if not stream:
            raw = self.sdk.messages.with_raw_response.create(model=model, messages=history, **extra)
            message = raw.parse()
            headers = raw.headers
        else:
            with self.sdk.messages.stream(model=model, messages=history, **extra) as events:
                headers = events.response.headers
                message = events.get_final_message()
        text = "".join(b.text for b in message.content if b.type == "text")
        thought = "".join(b.thinking for b in message.content if b.type == "thinking")
        calls = [Call(b.id, b.name, dict(b.input)) for b in message.content if b.type == "tool_use"]
        content = [b.model_dump(exclude_none=True) for b in message.content]
        # the SDK's parsed tool_use blocks carry no extra fields the API would reject
        return Answer(text, thought, calls, [{"role": "assistant", "content": content}], headers)


class GeminiClient(Client):
    name = "gemini"

    def __init__(self, gateway: Gateway, key: str) -> None:
        super().__init__(gateway, key)
        self.sdk = genai.Client(
            api_key=key,
            http_options=gtypes.HttpOptions(base_url=gateway.url, api_version="v1beta"),
        )

    def user(self, text: str, image: bool = False) -> list[Any]:
        parts = [gtypes.Part(text=text)]
        if image:
            parts.insert(0, gtypes.Part.from_bytes(data=PNG, mime_type="image/png"))
        return [gtypes.Content(role="user", parts=parts)]

    def tool_result(self, call: Call, output: str) -> list[Any]:
        response = gtypes.FunctionResponse(id=call.id or None, name=call.name)
        response.response = {"output": output}
        return [gtypes.Content(role="user", parts=[gtypes.Part(function_response=response)])]

    def ask(
        self, model: str, history: list[Any], *, stream: bool, tools: bool, reasoning: bool
    ) -> Answer:
        config = gtypes.GenerateContentConfig()
        if tools:
            declaration = gtypes.FunctionDeclaration(
                name=WEATHER["name"],
                description=WEATHER["description"],
                parameters_json_schema=WEATHER["parameters"],
            )
            config.tools = [gtypes.Tool(function_declarations=[declaration])]
            config.automatic_function_calling = gtypes.AutomaticFunctionCallingConfig(disable=True)
        if reasoning:
            config.thinking_config = gtypes.ThinkingConfig(
                include_thoughts=True, thinking_budget=THINK_BUDGET
            )
        if not stream:
            responses = [
                self.sdk.models.generate_content(model=model, contents=history, config=config)
            ]
        else:
            responses = list(
                self.sdk.models.generate_content_stream(
                    model=model, contents=history, config=config
                )
            )
        parts: list[gtypes.Part] = []
        for response in responses:
            for candidate in response.candidates or []:
                if candidate.content is not None:
                    parts.extend(candidate.content.parts or [])
        http = responses[0].sdk_http_response
        headers = httpx.Headers(http.headers if http is not None and http.headers else {})
        text = "".join(p.text or "" for p in parts if not p.thought)
        thought = "".join(p.text or "" for p in parts if p.thought)
        calls = [
            Call(p.function_call.id or "", p.function_call.name or "", dict(p.function_call.args))
            for p in parts
            if p.function_call is not None and p.function_call.args is not None
        ]
        # Gemini CLI replays the model turn without its thought-text parts.
        kept = [p for p in parts if not p.thought and (p.text or p.function_call)]
        return Answer(text, thought, calls, [gtypes.Content(role="model", parts=kept)], headers)


CLIENT_TYPES: dict[str, type[Client]] = {
    "chat": ChatClient,
    "responses": ResponsesClient,
    "claude": ClaudeClient,
    "gemini": GeminiClient,
}


# ----------------------------------------------------------------------------- upstream side


def upstream_format(client: str, channel: str) -> str:
    """The wire format the channel receives: OpenAI channels speak Responses natively."""
    if channel == "openai":
        return "responses" if client == "responses" else "chat"
    return channel


def assert_upstream_shape(entry: RecordedRequest, fmt: str, model: str, stream: bool) -> None:
    """The mock received the call at the channel's path, with a body in the channel's format."""
    body = entry.json
    assert isinstance(body, dict), entry
    if fmt == "chat":
        assert entry.path == "/v1/chat/completions"
        assert body["model"] == model and isinstance(body["messages"], list)
        assert bool(body.get("stream")) == stream
        assert "contents" not in body and "input" not in body
    elif fmt == "responses":
        assert entry.path == "/v1/responses"
        assert body["model"] == model and isinstance(body["input"], list | str)
        assert bool(body.get("stream")) == stream
        assert "messages" not in body
    elif fmt == "anthropic":
        assert entry.path == "/v1/messages"
        assert body["model"] == model and isinstance(body["messages"], list)
        assert isinstance(body["max_tokens"], int)
        assert bool(body.get("stream")) == stream
        assert entry.headers.get("anthropic-version")
        for message in body["messages"]:
            assert message["role"] in ("user", "assistant")
    else:
        method = "streamGenerateContent" if stream else "generateContent"
        assert entry.path == f"/v1beta/models/{model}:{method}"
        assert entry.query.get("alt") == ("sse" if stream else None)
        assert isinstance(body["contents"], list) and "model" not in body
        assert "messages" not in body
        for content in body["contents"]:
            assert content.get("role", "user") in ("user", "model")


def upstream_image(entry: RecordedRequest, fmt: str) -> None:
    """The inline PNG reached the upstream in its own image shape."""
    body = entry.json
    if fmt == "chat":
        parts = body["messages"][-1]["content"]
        urls = [p["image_url"]["url"] for p in parts if p.get("type") == "image_url"]
        assert urls == [f"data:image/png;base64,{PNG_B64}"], parts
    elif fmt == "responses":
        parts = body["input"][-1]["content"]
        urls = [p["image_url"] for p in parts if p.get("type") == "input_image"]
        assert urls == [f"data:image/png;base64,{PNG_B64}"], parts
    elif fmt == "anthropic":
        blocks = body["messages"][-1]["content"]
        sources = [b["source"] for b in blocks if b.get("type") == "image"]
        assert sources == [{"type": "base64", "media_type": "image/png", "data": PNG_B64}]
    else:
        parts = body["contents"][-1]["parts"]
        inline = [p.get("inlineData") or p.get("inline_data") for p in parts]
        # proto JSON takes either spelling; google-genai sends its nested fields in snake_case
        blobs = [{_camel(k): v for k, v in i.items()} for i in inline if i]
        assert blobs == [{"mimeType": "image/png", "data": PNG_B64}], parts


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p.title() for p in rest)


def upstream_proof(entry: RecordedRequest, fmt: str) -> str | None:
    """The reasoning proof the mock issued for this request, if its format has one."""
    body = entry.json
    model = str(entry.model)
    if fmt == "anthropic":
        plan = plan_for(body, model)
        return _signature(plan) if plan.reasoning and plan.show_reasoning else None
    if fmt == "gemini":
        plan = plan_for(body, model)
        return _signature(plan) if plan.reasoning else None
    if fmt == "responses":
        rplan = responses_plan(body, model)
        return encrypted_content(rplan) if rplan.reasoning and rplan.encrypted else None
    return None


def replayed_proofs(entry: RecordedRequest, fmt: str) -> list[str]:
    """Every reasoning proof the upstream got back in this request's history."""
    body = entry.json
    found: list[str] = []
    if fmt == "anthropic":
        for message in body["messages"]:
            for block in message["content"] if isinstance(message["content"], list) else []:
                if block.get("type") == "thinking":
                    found.append(block["signature"])
    elif fmt == "gemini":
        for content in body["contents"]:
            for part in content.get("parts", []):
                if "functionCall" in part and "thoughtSignature" in part:
                    found.append(part["thoughtSignature"])
    elif fmt == "responses":
        for item in body["input"]:
            if item.get("type") == "reasoning" and "encrypted_content" in item:
                found.append(item["encrypted_content"])
    return found


def tool_round_trip_shape(entry: RecordedRequest, fmt: str) -> None:
    """The second turn carries the assistant's call and the tool's answer, paired by id."""
    body = entry.json
    if fmt == "chat":
        assistant = next(m for m in body["messages"] if m["role"] == "assistant")
        tool = next(m for m in body["messages"] if m["role"] == "tool")
        call = assistant["tool_calls"][0]
        assert call["function"]["name"] == "get_weather"
        assert jsonx.loads(call["function"]["arguments"]) == WEATHER_ARGS
        assert tool["tool_call_id"] == call["id"] == "call_mock_get_weather_0"
        assert TOOL_OUTPUT in jsonx.dumps_str(tool["content"])
    elif fmt == "responses":
        call = next(i for i in body["input"] if i.get("type") == "function_call")
        output = next(i for i in body["input"] if i.get("type") == "function_call_output")
        assert call["name"] == "get_weather" and jsonx.loads(call["arguments"]) == WEATHER_ARGS
        assert output["call_id"] == call["call_id"] == "call_mock_get_weather_0"
        assert TOOL_OUTPUT in jsonx.dumps_str(output["output"])
    elif fmt == "anthropic":
        assistant = next(m for m in body["messages"] if m["role"] == "assistant")
        use = next(b for b in assistant["content"] if b["type"] == "tool_use")
        last = body["messages"][-1]
        result = next(b for b in last["content"] if b["type"] == "tool_result")
        assert use["name"] == "get_weather" and use["input"] == WEATHER_ARGS
        assert result["tool_use_id"] == use["id"]
        assert use["id"].endswith("mock_get_weather_0") and "__rg__" not in use["id"]
        assert TOOL_OUTPUT in jsonx.dumps_str(result["content"])
    else:
        model_turn = next(c for c in body["contents"] if c.get("role") == "model")
        call = next(p["functionCall"] for p in model_turn["parts"] if "functionCall" in p)
        last = body["contents"][-1]
        response = next(p["functionResponse"] for p in last["parts"] if "functionResponse" in p)
        assert call["name"] == response["name"] == "get_weather"
        assert call["args"] == WEATHER_ARGS
        assert TOOL_OUTPUT in jsonx.dumps_str(response["response"])


# --------------------------------------------------------------------------------- the matrix


@dataclass
class Case:
    env: RelayEnv
    client: Client
    channel: str
    model: str
    user: ApiUser
    stream: bool

    @property
    def upstream(self) -> str:
        return upstream_format(self.client.name, self.channel)

    def ask(self, history: list[Any], *, tools: bool = False, reasoning: bool = False) -> Answer:
        return self.client.ask(
            self.model, history, stream=self.stream, tools=tools, reasoning=reasoning
        )

    def check_billing(self) -> None:
        """One consume row per upstream call, each billed exactly the mock's usage."""
        recorded = self.env.mock.requests()
        expected = sorted(
            (r.usage["prompt_tokens"], r.usage["completion_tokens"])
            for r in recorded
            if r.usage is not None
        )
        assert len(expected) == len(recorded) > 0
        self.env.wait_for(lambda: len(self.env.logs(self.user)) == len(expected))
        rows = self.env.logs(self.user)
        assert all(row["type"] == 2 for row in rows), rows
        assert sorted((r["prompt_tokens"], r["completion_tokens"]) for r in rows) == expected
        for row in rows:
            assert row["quota"] == row["prompt_tokens"] + row["completion_tokens"]
            assert row["model_name"] == self.model
            assert bool(row["is_stream"]) == self.stream
        spent = sum(p + c for p, c in expected)
        self.env.wait_for(lambda: self.env.me(self.user)["used_quota"] == spent)


def make_case(env: RelayEnv, client: str, channel: str, stream: bool) -> Case:
    setup = _setup(env)
    user = env.user(quota=10_000_000)
    key = env.token(user, unlimited=True)
    return Case(
        env=env,
        client=CLIENT_TYPES[client](env.gateway, key),
        channel=channel,
        model=setup.models[channel],
        user=user,
        stream=stream,
    )


def scenario_text(case: Case) -> None:
    answer = case.ask(case.client.user(PROMPT))
    entry = case.env.mock.last_request
    assert answer.text == entry.reply_text
    assert answer.text.startswith("Hello from mock.")
    assert answer.calls == []
    assert_upstream_shape(entry, case.upstream, case.model, case.stream)
    case.check_billing()


def scenario_tools(case: Case) -> None:
    history = case.client.user(TOOL_PROMPT)
    first = case.ask(history, tools=True)
    assert [(c.name, c.arguments) for c in first.calls] == [("get_weather", WEATHER_ARGS)]
    assert first.text == ""
    history += first.replay + case.client.tool_result(first.calls[0], TOOL_OUTPUT)
    second = case.ask(history, tools=True)
    entry = case.env.mock.last_request
    assert second.calls == []
    assert second.text == entry.reply_text and second.text
    assert_upstream_shape(entry, case.upstream, case.model, case.stream)
    tool_round_trip_shape(entry, case.upstream)
    case.check_billing()


def scenario_image(case: Case) -> None:
    answer = case.ask(case.client.user("describe this picture", image=True))
    entry = case.env.mock.last_request
    assert answer.text == entry.reply_text
    assert_upstream_shape(entry, case.upstream, case.model, case.stream)
    upstream_image(entry, case.upstream)
    case.check_billing()


def scenario_reasoning(case: Case) -> None:
    answer = case.ask(case.client.user(PROMPT), reasoning=True)
    entry = case.env.mock.last_request
    assert entry.reasoning_text, "the upstream was not asked to reason"
    assert answer.reasoning == entry.reasoning_text
    assert answer.text == entry.reply_text
    assert_upstream_shape(entry, case.upstream, case.model, case.stream)
    case.check_billing()


def scenario_signatures(case: Case) -> None:
    """Reasoning + a tool call, then the replay: the upstream's proof comes back unchanged."""
    history = case.client.user(TOOL_PROMPT)
    first = case.ask(history, tools=True, reasoning=True)
    issued = upstream_proof(case.env.mock.last_request, case.upstream)
    assert [c.name for c in first.calls] == ["get_weather"]
    assert first.reasoning == case.env.mock.last_request.reasoning_text
    history += first.replay + case.client.tool_result(first.calls[0], TOOL_OUTPUT)
    second = case.ask(history, tools=True, reasoning=True)
    entry = case.env.mock.last_request
    assert second.text == entry.reply_text
    assert_upstream_shape(entry, case.upstream, case.model, case.stream)
    tool_round_trip_shape(entry, case.upstream)
    if issued is not None:
        replayed = replayed_proofs(entry, case.upstream)
        if case.upstream == "gemini":
            # a bytes field: the Python SDK re-encodes it URL-safe, which Gemini accepts
            replayed = [base64.b64encode(base64.urlsafe_b64decode(r)).decode() for r in replayed]
        assert replayed == [issued]
    if case.upstream == "anthropic":
        # Claude checks the thinking text against its signature: it must come back too.
        assistant = next(m for m in entry.json["messages"] if m["role"] == "assistant")
        thinking = next(b for b in assistant["content"] if b["type"] == "thinking")
        assert thinking["thinking"] == case.env.mock.requests()[0].reasoning_text
    case.check_billing()


SCENARIOS: dict[str, Callable[[Case], None]] = {
    "text": scenario_text,
    "tools": scenario_tools,
    "image": scenario_image,
    "reasoning": scenario_reasoning,
    "signatures": scenario_signatures,
}

MATRIX = [
    pytest.param(client, channel, id=f"{client}-via-{channel}")
    for client in CLIENTS
    for channel in CHANNELS
]
SAME_FORMAT = {
    ("chat", "openai"),
    ("responses", "openai"),
    ("claude", "anthropic"),
    ("gemini", "gemini"),
}
STREAM = [pytest.param(False, id="json"), pytest.param(True, id="stream")]


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("stream", STREAM)
@pytest.mark.parametrize(("client", "channel"), MATRIX)
def test_matrix(
    sqlite_env: RelayEnv, client: str, channel: str, stream: bool, scenario: str
) -> None:
    SCENARIOS[scenario](make_case(sqlite_env, client, channel, stream))


@pytest.mark.postgres
@pytest.mark.parametrize("stream", STREAM)
@pytest.mark.parametrize(("client", "channel"), MATRIX)
def test_matrix_postgres(postgres_env: RelayEnv, client: str, channel: str, stream: bool) -> None:
    case = make_case(postgres_env, client, channel, stream)
    scenario_text(case)
    if (client, channel) not in SAME_FORMAT:
        postgres_env.mock.clear_requests()
        scenario_signatures(make_case(postgres_env, client, channel, stream))


# ------------------------------------------------------------------------------- bad input


def _raw_call(
    env: RelayEnv,
    client: str,
    model: str,
    key: str,
    body: bytes | None = None,
    stream: bool = False,
) -> httpx.Response:
    """One request as ``client`` would send it, with ``body`` replacing the JSON when given."""
    url = env.gateway.url
    headers = {"content-type": "application/json"}
    if client == "chat":
        url += "/v1/chat/completions"
        payload: dict[str, Any] = {
            "model": model,
            "messages": [{"role": "user", "content": PROMPT}],
        }
        headers["authorization"] = f"Bearer {key}"
    elif client == "responses":
        url += "/v1/responses"
        payload = {"model": model, "input": PROMPT}
        headers["authorization"] = f"Bearer {key}"
    elif client == "claude":
        url += "/v1/messages"
        payload = {
            "model": model,
            "max_tokens": 64,
            "messages": [{"role": "user", "content": PROMPT}],
        }
        headers.update({"x-api-key": key, "anthropic-version": "2023-06-01"})
    else:
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        url += f"/v1beta/models/{model}:{method}"
        payload = {"contents": [{"role": "user", "parts": [{"text": PROMPT}]}]}
        headers["x-goog-api-key"] = key
    if stream and client != "gemini":
        payload["stream"] = True
    content = jsonx.dumps(payload) if body is None else body
    return httpx.post(url, content=content, headers=headers, timeout=30)


def assert_client_error(client: str, response: httpx.Response, status: int) -> dict[str, Any]:
    """The error is in ``client``'s own format, with the right status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    if client == "claude":
        assert body["type"] == "error", body
        assert isinstance(body["error"]["type"], str) and body["error"]["message"], body
    elif client == "gemini":
        error = body["error"]
        assert error["code"] == status, body
        assert isinstance(error["message"], str) and error["message"], body
        assert isinstance(error["status"], str) and error["status"].isupper(), body
    else:
        error = body["error"]
        assert isinstance(error["message"], str) and error["message"], body
        assert "type" in error and "code" in error, body
    return dict(body)


BAD_CLIENTS = [pytest.param(c, id=c) for c in CLIENTS]


@pytest.mark.parametrize("client", BAD_CLIENTS)
def test_bad_input_in_client_format(sqlite_env: RelayEnv, client: str) -> None:
    env = sqlite_env
    setup = _setup(env)
    user = env.user(quota=1_000_000)
    key = env.token(user, remain_quota=500_000)
    model = setup.models["anthropic" if client != "claude" else "openai"]

    malformed = _raw_call(env, client, model, key, body=b'{"model": "x", "messages": [')
    assert_client_error(client, malformed, 400)
    not_object = _raw_call(env, client, model, key, body=b"[1, 2]")
    assert_client_error(client, not_object, 400)
    wrong_key = _raw_call(env, client, model, "sk-" + "x" * 48)
    assert_client_error(client, wrong_key, 401)
    unknown = _raw_call(env, client, unique("nomodel"), key)
    unknown_body = assert_client_error(client, unknown, 503)
    assert "nomodel" in jsonx.dumps_str(unknown_body)
    assert env.mock.requests() == []

    for stream in (False, True):
        env.mock.fail(500, times=1)
        failed = _raw_call(env, client, model, key, stream=stream)
        assert_client_error(client, failed, 500)
    assert len(env.mock.requests()) == 2

    # every authenticated refusal keeps an error row: 2 bad bodies, the unknown model, and
    # the two upstream failures (those name their channel)
    env.wait_for(lambda: len(env.logs(user)) == 5)
    rows = env.logs(user)
    assert all(r["type"] == 5 and r["quota"] == 0 for r in rows), rows
    upstream_rows = [r for r in rows if r["channel"]]
    assert sorted(bool(r["is_stream"]) for r in upstream_rows) == [False, True]
    assert all(
        r["channel"] == setup.ids["anthropic" if client != "claude" else "openai"]
        for r in upstream_rows
    )
    refused = [jsonx.loads(r["other"])["status_code"] for r in rows if not r["channel"]]
    assert sorted(refused) == [400, 400, 503]
    me = env.me(user)
    assert me["used_quota"] == 0 and me["quota"] == 1_000_000
    assert env.token_row(user, key)["remain_quota"] == 500_000


@pytest.mark.parametrize("client", BAD_CLIENTS)
def test_stream_cut_midway_ends_with_an_error_in_client_format(
    sqlite_env: RelayEnv, client: str
) -> None:
    env = sqlite_env
    setup = _setup(env)
    user = env.user(quota=1_000_000)
    key = env.token(user, unlimited=True)
    env.mock.fail(mode="stream_error", after_chunks=3, times=1)
    response = _raw_call(env, client, setup.models["gemini"], key, stream=True)
    assert response.status_code == 200
    text = response.text
    if client == "claude":
        assert "event: error" in text and '"type":"error"' in text.replace(" ", "")
    elif client == "responses":
        assert "response.failed" in text or "event: error" in text
    else:
        assert '"error"' in text
    env.wait_for(lambda: len(env.logs(user)) == 1)
