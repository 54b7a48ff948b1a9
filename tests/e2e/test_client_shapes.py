"""The requests Claude Code, Gemini CLI and Codex really send (see CLIENTS.md), through channels
of another format, two turns each (the tool round trip that replays reasoning state).

Each checks the answer, the upstream request (path and body in the channel's format), that the
reasoning proof survives, and that what the conversion could not carry is reported in the log
row's ``other.losses`` and the ``X-RelayGate-Losses`` header.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest
from google import genai
from google.genai import types as gtypes
from tests.e2e.conftest import start_gateway
from tests.e2e.relay_env import RelayEnv, unique
from tests.support.gateway import ApiUser, Gateway
from tests.support.mock_upstream import MockUpstream, _signature, plan_for

from relaygate.kit import jsonx

UNLIMITED = {
    f"{name}_RATE_LIMIT_ENABLE": "false"
    for name in ("GLOBAL_API", "GLOBAL_WEB", "CRITICAL", "SEARCH")
}
OPENAI, ANTHROPIC = 1, 14


@pytest.fixture(scope="module")
def gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    yield from start_gateway(request, "sqlite", tmp_path_factory.mktemp("gw-shapes"), UNLIMITED)


@pytest.fixture
def env(gateway: Gateway, mock_upstream: MockUpstream) -> RelayEnv:
    return RelayEnv(gateway=gateway, mock=mock_upstream)


def _setup(env: RelayEnv, channel_type: int) -> tuple[str, str, ApiUser, str]:
    """(model, upstream key, user, client key) for a fresh channel of ``channel_type``."""
    model = unique("shape")
    env.price(model)
    _, upstream_key = env.channel(model, channel_type=channel_type)
    user = env.user(quota=100_000_000)
    return model, upstream_key, user, env.token(user, unlimited=True)


def _losses(env: RelayEnv, user: ApiUser, count: int) -> list[dict[str, Any]]:
    """``other.losses`` of the user's consume rows, oldest first."""
    env.wait_for(lambda: len(env.logs(user)) == count)
    rows = sorted(env.logs(user), key=lambda r: r["id"])
    assert [r["type"] for r in rows] == [2] * count, rows
    for row in rows:
        assert row["quota"] == row["prompt_tokens"] + row["completion_tokens"] > 0
    return [jsonx.loads(r["other"]).get("losses") or {} for r in rows]


def _fields(losses: dict[str, Any], action: str) -> set[str]:
    return {entry["field"] for entry in losses.get(action, [])}


def _header_fields(value: str | None) -> set[str]:
    fields: set[str] = set()
    for part in (value or "").split(";"):
        _, _, names = part.strip().partition("=")
        fields.update(n for n in names.split(",") if n)
    return fields


# ------------------------------------------------------------------------------ Claude Code

CLAUDE_BETAS = [
    "claude-code-20250219",
    "interleaved-thinking-2025-05-14",
    "context-management-2025-06-27",
    "prompt-caching-scope-2026-01-05",
]
EPHEMERAL = {"type": "ephemeral"}


def _claude_tool(name: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    schema["additionalProperties"] = False
    return {"name": name, "description": f"The {name} tool", "input_schema": schema}


CLAUDE_TOOLS = [
    _claude_tool("Bash", {"command": {"type": "string"}, "timeout": {"type": "number"}}, ["command"]),
    _claude_tool("Read", {"file_path": {"type": "string"}, "limit": {"type": "integer"}}, ["file_path"]),
    _claude_tool("Edit", {"file_path": {"type": "string"}, "old_string": {"type": "string"}, "new_string": {"type": "string"}}, ["file_path", "old_string", "new_string"]),
    _claude_tool("Glob", {"pattern": {"type": "string"}}, ["pattern"]),
    _claude_tool("Grep", {"pattern": {"type": "string"}, "output_mode": {"type": "string", "enum": ["content", "files_with_matches"]}}, ["pattern"]),
]  # fmt: skip


def test_claude_code_through_openai_channel(env: RelayEnv) -> None:
    model, upstream_key, user, key = _setup(env, OPENAI)
    session = "5b1f5a0e-1111-4c3b-9d7e-cc0de5e55101"
    client = anthropic.Anthropic(
        base_url=env.gateway.url,
        api_key=key,
        max_retries=0,
        default_headers={"x-app": "cli", "x-claude-code-session-id": session},
    )
    system = [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.197; cch=7f3a1;"},
        {
            "type": "text",
            "text": "You are Claude Code, Anthropic's official CLI for Claude.",
            "cache_control": EPHEMERAL,
        },
        {
            "type": "text",
            "text": "You are an interactive CLI tool that helps users with software tasks.",
            "cache_control": EPHEMERAL,
        },
    ]
    user_id = jsonx.dumps_str(
        {"device_id": "d" * 64, "account_uuid": "acc-1", "session_id": session}
    )
    messages: list[dict[str, Any]] = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "list the files in this repository please"},
                {"type": "text", "text": "and be brief", "cache_control": EPHEMERAL},
            ],
        }
    ]
    common: dict[str, Any] = {
        "model": model,
        "system": system,
        "tools": CLAUDE_TOOLS,
        "metadata": {"user_id": user_id},
        "max_tokens": 32000,
        "thinking": {"type": "enabled", "budget_tokens": 31999},
        "betas": CLAUDE_BETAS,
        "extra_body": {
            "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]}
        },
    }

    with client.beta.messages.stream(messages=messages, **common) as stream:  # type: ignore[arg-type]
        first_headers = stream.response.headers
        first = stream.get_final_message()
    upstream = env.mock.requests(key=upstream_key)[-1]
    assert first.stop_reason == "tool_use"
    thinking = [b for b in first.content if b.type == "thinking"]
    uses = [b for b in first.content if b.type == "tool_use"]
    assert [t.thinking for t in thinking] == [upstream.reasoning_text]
    assert all(isinstance(t.signature, str) for t in thinking)
    assert [(u.name, u.input) for u in uses] == [("Bash", {"command": "mock"})]

    # the upstream got an OpenAI chat request
    assert upstream.path == "/v1/chat/completions" and upstream.query == {}
    body = upstream.json
    assert body["model"] == model and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["reasoning_effort"] == "high"
    assert 32000 in (body.get("max_completion_tokens"), body.get("max_tokens"))
    # one system message per block: OpenAI takes several, and they keep their order
    leading = [m for m in body["messages"] if m["role"] == "system"]
    assert [m["content"] for m in leading] == [block["text"] for block in system]
    assert body["messages"][len(leading)]["role"] == "user"
    assert [t["function"]["name"] for t in body["tools"]] == [t["name"] for t in CLAUDE_TOOLS]
    assert [t["function"]["parameters"] for t in body["tools"]] == [
        t["input_schema"] for t in CLAUDE_TOOLS
    ]
    for field in ("thinking", "context_management", "metadata", "system", "betas"):
        assert field not in body
    assert "anthropic-beta" not in upstream.headers

    # turn 2: thinking + tool_use replayed as Claude Code does, the result with cache_control
    replay = [b.model_dump(exclude_none=True) for b in first.content]
    messages += [
        {"role": "assistant", "content": replay},
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": uses[0].id,
                    "content": "README.md\nsrc\ntests",
                    "is_error": False,
                    "cache_control": EPHEMERAL,
                }
            ],
        },
    ]
    with client.beta.messages.stream(messages=messages, **common) as stream:  # type: ignore[arg-type]
        second_headers = stream.response.headers
        second = stream.get_final_message()
    upstream = env.mock.requests(key=upstream_key)[-1]
    assert "".join(b.text for b in second.content if b.type == "text") == upstream.reply_text
    turns = upstream.json["messages"]
    assistant = next(m for m in turns if m["role"] == "assistant")
    tool = next(m for m in turns if m["role"] == "tool")
    assert assistant["tool_calls"][0]["id"] == tool["tool_call_id"] == "call_mock_Bash_0"
    assert jsonx.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"command": "mock"}
    assert assistant.get("reasoning_content") == thinking[0].thinking
    assert "README.md" in jsonx.dumps_str(tool["content"])

    client.close()
    losses = _losses(env, user, 2)
    for found, headers in zip(losses, (first_headers, second_headers), strict=True):
        dropped = _fields(found, "dropped")
        assert {"context_management", "cache_control"} <= dropped, found
        header = headers.get("x-relaygate-losses")
        assert _header_fields(header) == dropped | _fields(found, "coerced"), header


# ------------------------------------------------------------------------------- Gemini CLI

GEMINI_TOOLS = [
    gtypes.FunctionDeclaration(
        name="list_directory",
        description="Lists a directory",
        parameters_json_schema={
            "type": "object",
            "properties": {"dir_path": {"type": "string"}, "ignore": {"type": "array"}},
            "required": ["dir_path"],
        },
    ),
    gtypes.FunctionDeclaration(
        name="read_file",
        description="Reads a file",
        parameters_json_schema={
            "type": "object",
            "properties": {"absolute_path": {"type": "string"}},
            "required": ["absolute_path"],
        },
    ),
]


def test_gemini_cli_through_openai_channel(env: RelayEnv) -> None:
    model, upstream_key, user, key = _setup(env, OPENAI)
    client = genai.Client(
        api_key=key,
        http_options=gtypes.HttpOptions(
            base_url=env.gateway.url,
            api_version="v1beta",
            headers={"x-goog-api-client": "google-genai-sdk/1.30.0 gl-node/v22.0.0"},
        ),
    )
    # the router call: non-streamed JSON with an uppercase-typed schema
    router = client.models.generate_content(
        model=model,
        contents="pick a model for: list files",
        config=gtypes.GenerateContentConfig(
            response_mime_type="application/json",
            response_json_schema={
                "type": "OBJECT",
                "properties": {
                    "reasoning": {"type": "STRING"},
                    "complexity": {"type": "INTEGER", "minimum": 1},
                },
                "required": ["reasoning"],
            },
        ),
    )
    upstream = env.mock.requests(key=upstream_key)[-1]
    assert router.text == upstream.reply_text
    assert upstream.path == "/v1/chat/completions"
    response_format = upstream.json["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["schema"]["properties"]["complexity"]["minimum"] == 1

    config = gtypes.GenerateContentConfig(
        system_instruction=gtypes.Content(
            role="user", parts=[gtypes.Part(text="You are an interactive CLI agent.")]
        ),
        tools=[gtypes.Tool(function_declarations=GEMINI_TOOLS)],
        thinking_config=gtypes.ThinkingConfig(include_thoughts=True, thinking_budget=8192),
        automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True),
        temperature=0,
        top_p=1,
    )
    history = [gtypes.Content(role="user", parts=[gtypes.Part(text="list the files here")])]
    chunks = list(
        client.models.generate_content_stream(model=model, contents=history, config=config)
    )
    upstream = env.mock.requests(key=upstream_key)[-1]
    parts = [p for c in chunks for cand in c.candidates or [] for p in cand.content.parts or []]
    thoughts = "".join(p.text or "" for p in parts if p.thought)
    calls = [p for p in parts if p.function_call is not None]
    assert thoughts == upstream.reasoning_text
    assert len(calls) == 1
    call = calls[0].function_call
    assert call is not None
    assert (call.name, call.args) == ("list_directory", {"dir_path": "mock"})
    usage = chunks[-1].usage_metadata
    assert usage is not None and usage.prompt_token_count == upstream.usage["prompt_tokens"]

    body = upstream.json
    assert upstream.path == "/v1/chat/completions"
    assert body["stream"] is True and body["reasoning_effort"] == "medium"
    assert body["messages"][0] == {"role": "system", "content": "You are an interactive CLI agent."}
    assert [t["function"]["parameters"] for t in body["tools"]] == [
        d.parameters_json_schema for d in GEMINI_TOOLS
    ]
    assert body["temperature"] == 0 and body["top_p"] == 1

    # turn 2 as Gemini CLI sends it: its own call id, one part {functionCall, thoughtSignature},
    # no thought text, and functionResponse{id, name, response: {output}}
    own_id = "list_directory-1761000000000-3f2a"
    history += [
        gtypes.Content(
            role="model",
            parts=[
                gtypes.Part(
                    function_call=gtypes.FunctionCall(id=own_id, name=call.name, args=call.args),
                    thought_signature=calls[0].thought_signature,
                )
            ],
        ),
        gtypes.Content(
            role="user",
            parts=[
                gtypes.Part(
                    function_response=gtypes.FunctionResponse(
                        id=own_id, name=call.name, response={"output": "README.md src tests"}
                    )
                )
            ],
        ),
    ]
    chunks = list(
        client.models.generate_content_stream(model=model, contents=history, config=config)
    )
    upstream = env.mock.requests(key=upstream_key)[-1]
    text = "".join(
        p.text or ""
        for c in chunks
        for cand in c.candidates or []
        for p in cand.content.parts or []
        if not p.thought
    )
    assert text == upstream.reply_text
    turns = upstream.json["messages"]
    assistant = next(m for m in turns if m["role"] == "assistant")
    tool = next(m for m in turns if m["role"] == "tool")
    assert assistant["tool_calls"][0]["id"] == tool["tool_call_id"]
    assert "__rg__" not in tool["tool_call_id"]
    assert assistant["tool_calls"][0]["function"]["name"] == "list_directory"
    assert "README.md src tests" in jsonx.dumps_str(tool["content"])

    for found in _losses(env, user, 3):
        assert isinstance(found, dict)


# ------------------------------------------------------------------------------------ Codex


def _function(name: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "description": f"The {name} tool",
        "strict": False,
        "parameters": {"type": "object", "properties": properties, "required": required},
    }


CODEX_TOOLS = [
    _function("shell", {"command": {"type": "array", "items": {"type": "string"}}}, ["command"]),
    _function("apply_patch", {"input": {"type": "string"}}, ["input"]),
    {
        "type": "namespace",
        "name": "mcp__docs",
        "description": "A documentation MCP server",
        "tools": [_function("search", {"query": {"type": "string"}}, ["query"])],
    },
    {"type": "web_search", "external_web_access": False},
]


def test_codex_through_anthropic_channel(env: RelayEnv) -> None:
    model, upstream_key, user, key = _setup(env, ANTHROPIC)
    thread = "019a0c3e-7d41-7c52-b3a8-1e1f9a0b2c3d"
    client = openai.OpenAI(
        base_url=env.v1,
        api_key=key,
        max_retries=0,
        default_headers={
            "originator": "codex_cli_rs",
            "session-id": thread,
            "x-codex-turn-metadata": jsonx.dumps_str({"workspaces": ["/home/dev/project"]}),
        },
    )
    history: list[Any] = [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "You are Codex, a coding agent."}]},
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "<permissions>workspace-write</permissions>"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "<environment_context>cwd=/home/dev/project</environment_context>"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "run the test suite"}]},
    ]  # fmt: skip
    common: dict[str, Any] = {
        "model": model,
        "tools": CODEX_TOOLS,
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "reasoning": {"summary": "auto"},
        "store": False,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": thread,
        "extra_body": {"client_metadata": {"x-codex-installation-id": "inst-1"}},
    }

    events = client.responses.create(input=history, stream=True, **common)
    first_headers = events.response.headers
    seen = list(events)
    kinds = [e.type for e in seen]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    assert "response.function_call_arguments.delta" in kinds
    completed = seen[-1].response
    upstream = env.mock.requests(key=upstream_key)[-1]
    usage = completed.usage
    assert usage is not None
    assert usage.input_tokens == upstream.usage["prompt_tokens"]
    assert usage.output_tokens == upstream.usage["completion_tokens"]
    assert usage.output_tokens_details.reasoning_tokens >= 0
    assert usage.input_tokens_details.cached_tokens == 0

    reasoning = [i for i in completed.output if i.type == "reasoning"]
    calls = [i for i in completed.output if i.type == "function_call"]
    assert len(reasoning) == 1 and reasoning[0].encrypted_content
    assert "".join(s.text for s in reasoning[0].summary) == upstream.reasoning_text
    assert [(c.name, jsonx.loads(c.arguments)) for c in calls] == [("shell", {"command": []})]

    # the upstream got an Anthropic Messages request
    body = upstream.json
    assert upstream.path == "/v1/messages"
    assert upstream.headers.get("anthropic-version")
    assert body["stream"] is True and isinstance(body["max_tokens"], int)
    assert body["thinking"]["type"] == "enabled"
    system_text = jsonx.dumps_str(body["system"])
    assert "You are Codex" in system_text and "workspace-write" in system_text
    assert all(m["role"] in ("user", "assistant") for m in body["messages"])
    names = [t["name"] for t in body["tools"]]
    assert names[:2] == ["shell", "apply_patch"]
    assert body["tools"][0]["input_schema"] == CODEX_TOOLS[0]["parameters"]
    assert "web_search" not in jsonx.dumps_str(body["tools"])
    for field in ("input", "include", "store", "prompt_cache_key", "client_metadata", "reasoning"):
        assert field not in body
    issued = _signature(plan_for(body, model))

    # turn 2: Codex replays reasoning{id, summary, encrypted_content}, function_call, output
    history += [
        {
            "type": "reasoning",
            "id": reasoning[0].id,
            "summary": [s.model_dump() for s in reasoning[0].summary],
            "encrypted_content": reasoning[0].encrypted_content,
        },
        {
            "type": "function_call",
            "id": calls[0].id,
            "call_id": calls[0].call_id,
            "name": calls[0].name,
            "arguments": calls[0].arguments,
            "status": "completed",
        },
        {"type": "function_call_output", "call_id": calls[0].call_id, "output": "12 passed"},
    ]
    events = client.responses.create(input=history, stream=True, **common)
    second_headers = events.response.headers
    seen = list(events)
    completed = seen[-1].response
    upstream = env.mock.requests(key=upstream_key)[-1]
    assert completed.output_text == upstream.reply_text
    turns = upstream.json["messages"]
    assistant = next(m for m in turns if m["role"] == "assistant")
    assert assistant["content"][0] == {
        "type": "thinking",
        "thinking": env.mock.requests(key=upstream_key)[0].reasoning_text,
        "signature": issued,
    }
    use = next(b for b in assistant["content"] if b["type"] == "tool_use")
    result = next(b for b in turns[-1]["content"] if b["type"] == "tool_result")
    assert result["tool_use_id"] == use["id"] and "__rg__" not in use["id"]
    assert "12 passed" in jsonx.dumps_str(result["content"])

    losses = _losses(env, user, 2)
    for found, headers in zip(losses, (first_headers, second_headers), strict=True):
        dropped = _fields(found, "dropped")
        # the namespace tool (MCP tools nested in it) and web_search have no Claude equivalent
        assert {"tools.mcp__docs", "tools.web_search", "prompt_cache_key"} <= dropped, found
        header = headers.get("x-relaygate-losses")
        assert _header_fields(header) == dropped | _fields(found, "coerced"), header
