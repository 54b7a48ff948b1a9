"""A fast, deterministic fake of the OpenAI, Anthropic and Gemini HTTP APIs, with fault injection.

Run it standalone (``python -m tests.support.mock_upstream --port 8081``) or in-process with
``MockUpstream`` (own thread and event loop, free port). It speaks the real wire formats:

- OpenAI ``POST /v1/chat/completions`` (JSON or SSE ``chat.completion.chunk`` frames, the final
  ``choices: []`` usage chunk when ``stream_options.include_usage``, ``data: [DONE]``),
  ``POST /v1/embeddings``, ``GET /v1/models``;
- OpenAI ``POST /v1/responses`` (JSON or the full Responses event sequence; see
  ``tests.support.mock_responses``);
- Anthropic ``POST /v1/messages`` (JSON or the full event sequence), ``/v1/messages/count_tokens``;
- Gemini ``POST /v1beta/models/{model}:generateContent`` / ``:streamGenerateContent?alt=sse`` /
  ``:countTokens``, ``GET /v1beta/models`` (``/v1/models/{model}:…`` is accepted too).

Replies are a pure function of the request (see ``expected_usage``), so tests know the exact
text and usage in advance. Per-request knobs, highest precedence first: headers ``x-mock-chunks``,
``x-mock-delay-ms``, ``x-mock-words``; tokens in the model name (``mock-chunks20-delay5-words50``,
``slow`` = 50 ms per chunk, ``think``/``reason`` = reasoning); defaults set by ``POST /_mock/config``.

Control API on the same server: ``POST /_mock/faults`` (see ``Fault``), ``GET|DELETE
/_mock/faults``, ``GET|DELETE /_mock/requests``, ``POST /_mock/config``, ``POST /_mock/reset``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any, Self

import orjson
from aiohttp import web

PROMPT_BASE_TOKENS = 5
"""Added to the word count of every prompt, so an empty prompt still costs something."""
TOOL_CALL_TOKENS = 12
"""Completion tokens charged per tool call the mock makes."""
SLOW_DELAY_MS = 50
CREATED = 1_700_000_000
FOREVER = 3600.0
MODELS = ("mock-chat", "mock-slow", "mock-reasoner", "mock-embed")

_KNOB = re.compile(r"(chunks|delay|words)(\d+)")

ROUTE_HOOKS: list[Callable[[MockServer], Iterable[web.AbstractRouteDef]]] = []
"""Extra routes (``tests.support.mock_vendors``) added to every MockServer built afterwards."""


class Fmt(StrEnum):
    """Wire format of one upstream endpoint."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"
    RESPONSES = "responses"


# -------------------------------------------------------------------------- request analysis


def _words(text: Any) -> int:
    return len(text.split()) if isinstance(text, str) else 0


def _string_leaves(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _string_leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _string_leaves(item)


def _content_words(content: Any) -> int:
    """Words of text in an OpenAI/Anthropic content value (string or list of blocks)."""
    if isinstance(content, str):
        return _words(content)
    total = 0
    if isinstance(content, list):
        for block in content:
            if isinstance(block, str):
                total += _words(block)
            elif isinstance(block, dict):
                kind = block.get("type")
                if kind in (None, "text", "input_text", "output_text"):
                    total += _words(block.get("text"))
                elif kind == "tool_result":
                    total += _content_words(block.get("content"))
    return total


def _gemini_part_words(part: Any) -> int:
    if not isinstance(part, dict) or part.get("thought"):
        return 0
    if "text" in part:
        return _words(part["text"])
    if "functionResponse" in part:
        return sum(_words(s) for s in _string_leaves(part["functionResponse"].get("response")))
    return 0


def prompt_words(request: dict[str, Any]) -> int:
    """Words in every text the prompt carries, whatever its format.

    Counted: OpenAI ``messages[].content`` (strings and text parts, tool messages included);
    Anthropic ``system`` and message text/tool_result blocks; Gemini ``systemInstruction`` and
    ``contents[].parts[].text`` (not thought parts) plus the string leaves of functionResponse.
    Not counted: roles, tool definitions, tool-call arguments, images, thinking blocks.
    """
    total = _content_words(request.get("system"))
    for message in request.get("messages") or ():
        if isinstance(message, dict):
            total += _content_words(message.get("content"))
    instruction = request.get("systemInstruction") or request.get("system_instruction")
    if isinstance(instruction, dict):
        total += sum(_gemini_part_words(p) for p in instruction.get("parts") or ())
    for content in request.get("contents") or ():
        if isinstance(content, dict):
            total += sum(_gemini_part_words(p) for p in content.get("parts") or ())
    return total


def _last_user_words(request: dict[str, Any]) -> int:
    for message in reversed(request.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return _content_words(message.get("content"))
    for content in reversed(request.get("contents") or []):
        if isinstance(content, dict) and content.get("role", "user") == "user":
            return sum(_gemini_part_words(p) for p in content.get("parts") or ())
    return 0


def _last_is_tool_result(request: dict[str, Any]) -> bool:
    messages = request.get("messages") or []
    if messages and isinstance(messages[-1], dict):
        last = messages[-1]
        if last.get("role") in ("tool", "function"):
            return True
        content = last.get("content")
        if isinstance(content, list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in content
        ):
            return True
    contents = request.get("contents") or []
    if contents and isinstance(contents[-1], dict):
        return any(
            isinstance(p, dict) and "functionResponse" in p for p in contents[-1].get("parts") or ()
        )
    return False


def _tools(request: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, JSON schema) of every declared function tool, in any of the three shapes."""
    found: list[tuple[str, dict[str, Any]]] = []
    for tool in request.get("tools") or ():
        if not isinstance(tool, dict):
            continue
        if isinstance(tool.get("function"), dict):
            function = tool["function"]
            found.append((function.get("name", ""), function.get("parameters") or {}))
        elif "functionDeclarations" in tool or "function_declarations" in tool:
            for decl in tool.get("functionDeclarations") or tool.get("function_declarations") or ():
                schema = (
                    decl.get("parameters")
                    or decl.get("parametersJsonSchema")
                    or decl.get("parameters_json_schema")
                    or {}
                )
                found.append((decl.get("name", ""), schema))
        elif "name" in tool and tool.get("type") in (None, "custom", "function"):
            found.append((tool["name"], tool.get("input_schema") or tool.get("parameters") or {}))
    return [(name, schema) for name, schema in found if name]


def _chosen_tool(request: dict[str, Any], tools: list[tuple[str, dict[str, Any]]]) -> str | None:
    """The tool the mock calls, or None when tool_choice forbids calling or none applies."""
    if not tools or _last_is_tool_result(request):
        return None
    choice = request.get("tool_choice")
    names = [name for name, _ in tools]
    if choice == "none" or (isinstance(choice, dict) and choice.get("type") == "none"):
        return None
    if isinstance(choice, dict):
        wanted = choice.get("name") or (choice.get("function") or {}).get("name")
        if wanted in names:
            return str(wanted)
    config = (request.get("toolConfig") or request.get("tool_config") or {}).get(
        "functionCallingConfig"
    ) or {}
    if str(config.get("mode", "")).upper() == "NONE":
        return None
    allowed = config.get("allowedFunctionNames") or config.get("allowed_function_names")
    if allowed and allowed[0] in names:
        return str(allowed[0])
    return names[0]


def _sample_value(schema: Any) -> Any:
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    kind = str(kind).lower() if kind else "string"
    if isinstance(schema, dict) and schema.get("enum"):
        return schema["enum"][0]
    return {"integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}.get(kind, "mock")


def tool_arguments(schema: dict[str, Any]) -> dict[str, Any]:
    """Arguments the mock sends: every required property (else the first one) with a sample."""
    properties = schema.get("properties") or {}
    names = list(schema.get("required") or []) or list(properties)[:1]
    return {name: _sample_value(properties.get(name, {})) for name in names}


def _reasoning_mode(request: dict[str, Any], model: str) -> tuple[bool, bool]:
    """(reasons, shows the reasoning text)."""
    effort = request.get("reasoning_effort")
    if effort is None and isinstance(request.get("reasoning"), dict):
        effort = request["reasoning"].get("effort", "medium")
    if effort not in (None, "none"):
        return True, True
    thinking = request.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive"):
        return True, True
    generation = request.get("generationConfig") or request.get("generation_config") or {}
    config = generation.get("thinkingConfig") or generation.get("thinking_config") or {}
    include = bool(config.get("includeThoughts") or config.get("include_thoughts"))
    budget = config.get("thinkingBudget", config.get("thinking_budget"))
    if include or (isinstance(budget, int) and budget > 0) or config.get("thinkingLevel"):
        return True, include
    if "think" in model or "reason" in model:
        return True, True
    return False, False


def _max_tokens(request: dict[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        if isinstance(request.get(key), int):
            return int(request[key])
    generation = request.get("generationConfig") or request.get("generation_config") or {}
    value = generation.get("maxOutputTokens", generation.get("max_output_tokens"))
    return int(value) if isinstance(value, int) else None


@dataclass(frozen=True, slots=True)
class Knobs:
    """Per-request stream shape: content chunks, delay between chunks, reply length in words."""

    chunks: int | None = None
    delay_ms: int = 0
    words: int | None = None


def knobs_for(model: str, headers: Any = None, defaults: Knobs | None = None) -> Knobs:
    """Resolve knobs: headers, then model-name tokens, then server defaults."""
    base = defaults or Knobs()
    values: dict[str, int | None] = {
        "chunks": base.chunks,
        "delay": base.delay_ms,
        "words": base.words,
    }
    if "slow" in model:
        values["delay"] = SLOW_DELAY_MS
    for name, number in _KNOB.findall(model):
        values[name] = int(number)
    if headers is not None:
        for name in ("chunks", "delay", "words"):
            raw = headers.get(f"x-mock-{name}-ms" if name == "delay" else f"x-mock-{name}")
            if raw is not None and str(raw).isdigit():
                values[name] = int(raw)
    return Knobs(chunks=values["chunks"], delay_ms=values["delay"] or 0, words=values["words"])


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One call the mock makes."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything a reply depends on; hashable, so rendered bytes are cached per plan."""

    model: str
    prompt_tokens: int
    text: str
    reasoning: str
    show_reasoning: bool
    tool_calls: tuple[ToolCall, ...]
    truncated: bool
    chunks: int
    delay_ms: int
    include_usage: bool

    @property
    def reasoning_tokens(self) -> int:
        return _words(self.reasoning)

    @property
    def completion_tokens(self) -> int:
        return _words(self.text) + self.reasoning_tokens + TOOL_CALL_TOKENS * len(self.tool_calls)

    def usage(self) -> dict[str, int]:
        """Format-neutral usage: completion includes reasoning and tool calls."""
        completion = self.completion_tokens
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "reasoning_tokens": self.reasoning_tokens,
            "total_tokens": self.prompt_tokens + completion,
        }


def reply_text(last_user_words: int, words: int | None = None) -> str:
    """``Hello from mock. You sent N words.``, padded with ``lorem<i>`` or cut to ``words``."""
    base = f"Hello from mock. You sent {last_user_words} words.".split()
    if words is not None:
        base = base[:words] + [f"lorem{i}" for i in range(max(0, words - len(base)))]
    return " ".join(base)


def reasoning_text(last_user_words: int) -> str:
    """The reasoning the mock shows when asked to think."""
    return f"The user sent {last_user_words} words, so I answer briefly."


def plan_for(request: dict[str, Any], model: str | None = None, knobs: Knobs | None = None) -> Plan:
    """The reply to ``request`` (pure; ``model`` overrides the body's, as Gemini puts it in the URL)."""
    model = model or str(request.get("model") or "mock-chat")
    knobs = knobs or knobs_for(model)
    last = _last_user_words(request)
    reasons, shows = _reasoning_mode(request, model)
    reasoning = reasoning_text(last) if reasons else ""
    tools = _tools(request)
    chosen = _chosen_tool(request, tools)
    calls: tuple[ToolCall, ...] = ()
    text = ""
    truncated = False
    if chosen is not None:
        schema = dict(tools)[chosen]
        arguments = orjson.dumps(tool_arguments(schema)).decode()
        calls = (ToolCall(id=f"mock_{chosen}_0", name=chosen, arguments=arguments),)
    else:
        words = knobs.words
        if words is None and knobs.chunks is not None and knobs.chunks > 7:
            words = knobs.chunks
        text = reply_text(last, words)
        limit = _max_tokens(request)
        budget = None if limit is None else limit - _words(reasoning)
        if budget is not None and budget < _words(text):
            text = " ".join(text.split()[: max(budget, 0)])
            truncated = True
    options = request.get("stream_options") or {}
    return Plan(
        model=model,
        prompt_tokens=PROMPT_BASE_TOKENS + prompt_words(request),
        text=text,
        reasoning=reasoning,
        show_reasoning=shows,
        tool_calls=calls,
        truncated=truncated,
        chunks=max(1, knobs.chunks or max(1, _words(text))),
        delay_ms=knobs.delay_ms,
        include_usage=bool(options.get("include_usage")),
    )


def expected_usage(
    request_json: dict[str, Any], *, model: str | None = None, headers: Any = None
) -> dict[str, int]:
    """Usage the mock reports for this request body, in any of the three formats.

    ``prompt_tokens = PROMPT_BASE_TOKENS + prompt_words(request)``; ``completion_tokens`` = words
    of the reply text + words of the reasoning (when reasoning is on) + ``TOOL_CALL_TOKENS`` per
    tool call; ``total_tokens`` = their sum. Pass ``model`` for Gemini (it lives in the URL).
    """
    name = model or str(request_json.get("model") or "mock-chat")
    return plan_for(request_json, name, knobs_for(name, headers)).usage()


def _split(text: str, parts: int) -> list[str]:
    """``text`` in ``parts`` pieces at word boundaries (leading spaces kept), joined = text."""
    if not text:
        return []
    tokens = re.findall(r"\s*\S+", text)
    parts = max(1, min(parts, len(tokens)))
    size, extra = divmod(len(tokens), parts)
    pieces, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        pieces.append("".join(tokens[start:end]))
        start = end
    return pieces


def _thirds(text: str) -> list[str]:
    step = max(1, -(-len(text) // 3))
    return [text[i : i + step] for i in range(0, len(text), step)] or [""]


def _signature(plan: Plan) -> str:
    digest = hashlib.sha256(f"{plan.model}:{plan.reasoning}:{plan.tool_calls}".encode()).digest()
    return base64.b64encode(b"mock-signature:" + digest[:24]).decode()


def _id(prefix: str, plan: Plan) -> str:
    return prefix + hashlib.blake2s(repr(plan).encode(), digest_size=8).hexdigest()


def _sse(payload: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + orjson.dumps(payload) + b"\n\n"


# ------------------------------------------------------------------------------- OpenAI chat


def _openai_usage(plan: Plan) -> dict[str, Any]:
    usage = plan.usage()
    return {
        "prompt_tokens": usage["prompt_tokens"],
        "completion_tokens": usage["completion_tokens"],
        "total_tokens": usage["total_tokens"],
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": usage["reasoning_tokens"],
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _openai_finish(plan: Plan) -> str:
    return "tool_calls" if plan.tool_calls else "length" if plan.truncated else "stop"


@lru_cache(maxsize=4096)
def openai_json(plan: Plan) -> bytes:
    """A ``chat.completion`` body."""
    message: dict[str, Any] = {"role": "assistant", "content": plan.text or None, "refusal": None}
    if plan.reasoning and plan.show_reasoning:
        message["reasoning_content"] = plan.reasoning
    if plan.tool_calls:
        message["tool_calls"] = [
            {
                "id": "call_" + c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c in plan.tool_calls
        ]
    return orjson.dumps(
        {
            "id": _id("chatcmpl-mock", plan),
            "object": "chat.completion",
            "created": CREATED,
            "model": plan.model,
            "system_fingerprint": "fp_mock",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": _openai_finish(plan),
                }
            ],
            "usage": _openai_usage(plan),
        }
    )


@lru_cache(maxsize=4096)
def openai_frames(plan: Plan) -> tuple[bytes, ...]:
    """``chat.completion.chunk`` SSE frames, ending with ``data: [DONE]``."""
    ident = _id("chatcmpl-mock", plan)

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        body: dict[str, Any] = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": plan.model,
            "system_fingerprint": "fp_mock",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if plan.include_usage:
            body["usage"] = None
        return _sse(body)

    frames = [chunk({"role": "assistant", "content": "", "refusal": None})]
    if plan.reasoning and plan.show_reasoning:
        frames += [chunk({"reasoning_content": piece}) for piece in _split(plan.reasoning, 99)]
    frames += [chunk({"content": piece}) for piece in _split(plan.text, plan.chunks)]
    for index, call in enumerate(plan.tool_calls):
        head = {"index": index, "id": "call_" + call.id, "type": "function"}
        frames.append(
            chunk({"tool_calls": [{**head, "function": {"name": call.name, "arguments": ""}}]})
        )
        for piece in _thirds(call.arguments):
            frames.append(
                chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            )
    frames.append(chunk({}, _openai_finish(plan)))
    if plan.include_usage:
        frames.append(
            _sse(
                {
                    "id": ident,
                    "object": "chat.completion.chunk",
                    "created": CREATED,
                    "model": plan.model,
                    "system_fingerprint": "fp_mock",
                    "choices": [],
                    "usage": _openai_usage(plan),
                }
            )
        )
    frames.append(b"data: [DONE]\n\n")
    return tuple(frames)


# ---------------------------------------------------------------------------------- Anthropic


def _anthropic_stop(plan: Plan) -> str:
    return "tool_use" if plan.tool_calls else "max_tokens" if plan.truncated else "end_turn"


def _anthropic_usage(plan: Plan, output: int) -> dict[str, Any]:
    return {
        "input_tokens": plan.prompt_tokens,
        "output_tokens": output,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


@lru_cache(maxsize=4096)
def anthropic_json(plan: Plan) -> bytes:
    """A Messages API ``message`` body."""
    content: list[dict[str, Any]] = []
    if plan.reasoning and plan.show_reasoning:
        content.append(
            {"type": "thinking", "thinking": plan.reasoning, "signature": _signature(plan)}
        )
    if plan.text or not plan.tool_calls:
        content.append({"type": "text", "text": plan.text})
    for call in plan.tool_calls:
        content.append(
            {
                "type": "tool_use",
                "id": call.id,
                "name": call.name,
                "input": orjson.loads(call.arguments),
            }
        )
    return orjson.dumps(
        {
            "id": _id("msg_mock", plan),
            "type": "message",
            "role": "assistant",
            "model": plan.model,
            "content": content,
            "stop_reason": _anthropic_stop(plan),
            "stop_sequence": None,
            "usage": _anthropic_usage(plan, plan.completion_tokens),
        }
    )


@lru_cache(maxsize=4096)
def anthropic_frames(plan: Plan) -> tuple[bytes, ...]:
    """message_start, ping, content blocks (thinking, text, tool_use), message_delta, message_stop."""
    message = {
        "id": _id("msg_mock", plan),
        "type": "message",
        "role": "assistant",
        "model": plan.model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": _anthropic_usage(plan, 1),
    }
    frames = [
        _sse({"type": "message_start", "message": message}, "message_start"),
        _sse({"type": "ping"}, "ping"),
    ]
    index = 0

    def block(start: dict[str, Any], deltas: Iterable[dict[str, Any]]) -> None:
        nonlocal index
        frames.append(
            _sse(
                {"type": "content_block_start", "index": index, "content_block": start},
                "content_block_start",
            )
        )
        for delta in deltas:
            frames.append(
                _sse(
                    {"type": "content_block_delta", "index": index, "delta": delta},
                    "content_block_delta",
                )
            )
        frames.append(_sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
        index += 1

    if plan.reasoning and plan.show_reasoning:
        thinking = [{"type": "thinking_delta", "thinking": p} for p in _split(plan.reasoning, 99)]
        block(
            {"type": "thinking", "thinking": "", "signature": ""},
            [*thinking, {"type": "signature_delta", "signature": _signature(plan)}],
        )
    if plan.text or not plan.tool_calls:
        block(
            {"type": "text", "text": ""},
            [{"type": "text_delta", "text": p} for p in _split(plan.text, plan.chunks)],
        )
    for call in plan.tool_calls:
        block(
            {"type": "tool_use", "id": "toolu_" + call.id, "name": call.name, "input": {}},
            [
                {"type": "input_json_delta", "partial_json": p}
                for p in ["", *_thirds(call.arguments)]
            ],
        )
    frames.append(
        _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": _anthropic_stop(plan), "stop_sequence": None},
                "usage": {"output_tokens": plan.completion_tokens},
            },
            "message_delta",
        )
    )
    frames.append(_sse({"type": "message_stop"}, "message_stop"))
    return tuple(frames)


# ------------------------------------------------------------------------------------- Gemini


def _gemini_usage(plan: Plan, final: bool) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "promptTokenCount": plan.prompt_tokens,
        "totalTokenCount": plan.prompt_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": plan.prompt_tokens}],
    }
    if final:
        usage["candidatesTokenCount"] = plan.completion_tokens - plan.reasoning_tokens
        usage["totalTokenCount"] = plan.prompt_tokens + plan.completion_tokens
        if plan.reasoning_tokens:
            usage["thoughtsTokenCount"] = plan.reasoning_tokens
    return usage


def _gemini_parts(plan: Plan, chunks: int | None) -> list[list[dict[str, Any]]]:
    """Parts per response chunk (one chunk when ``chunks`` is None)."""
    groups: list[list[dict[str, Any]]] = []
    if plan.reasoning and plan.show_reasoning:
        pieces = _split(plan.reasoning, 99) if chunks else [plan.reasoning]
        groups += [[{"text": p, "thought": True}] for p in pieces]
    pieces = _split(plan.text, chunks) if chunks else ([plan.text] if plan.text else [])
    groups += [[{"text": p}] for p in pieces]
    calls = [
        {
            "functionCall": {"name": c.name, "args": orjson.loads(c.arguments)},
            "thoughtSignature": _signature(plan),
        }
        for c in plan.tool_calls
    ]
    if calls:
        groups.append(calls)
    if plan.reasoning and not plan.tool_calls and groups:
        groups[0][0]["thoughtSignature"] = _signature(plan)
    if not chunks:
        groups = [[part for group in groups for part in group]]
    return groups or [[{"text": ""}]]


def _gemini_finish(plan: Plan) -> str:
    return "MAX_TOKENS" if plan.truncated else "STOP"


@lru_cache(maxsize=4096)
def gemini_json(plan: Plan) -> bytes:
    """A ``GenerateContentResponse`` body."""
    return orjson.dumps(
        {
            "candidates": [
                {
                    "content": {"parts": _gemini_parts(plan, None)[0], "role": "model"},
                    "finishReason": _gemini_finish(plan),
                    "index": 0,
                }
            ],
            "usageMetadata": _gemini_usage(plan, True),
            "modelVersion": plan.model,
            "responseId": _id("mock", plan),
        }
    )


@lru_cache(maxsize=4096)
def gemini_frames(plan: Plan) -> tuple[bytes, ...]:
    """``alt=sse`` frames: one GenerateContentResponse per chunk, the last with finishReason."""
    groups = _gemini_parts(plan, plan.chunks)
    frames = []
    for number, parts in enumerate(groups):
        last = number == len(groups) - 1
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if last:
            candidate["finishReason"] = _gemini_finish(plan)
        payload = {
            "candidates": [candidate],
            "usageMetadata": _gemini_usage(plan, last),
            "modelVersion": plan.model,
            "responseId": _id("mock", plan),
        }
        frames.append(b"data: " + orjson.dumps(payload) + b"\r\n\r\n")
    return tuple(frames)


RENDER_JSON: dict[Fmt, Any] = {
    Fmt.OPENAI: openai_json,
    Fmt.ANTHROPIC: anthropic_json,
    Fmt.GEMINI: gemini_json,
    Fmt.RESPONSES: lambda plan: _responses.responses_json(plan),
}
RENDER_FRAMES: dict[Fmt, Any] = {
    Fmt.OPENAI: openai_frames,
    Fmt.ANTHROPIC: anthropic_frames,
    Fmt.GEMINI: gemini_frames,
    Fmt.RESPONSES: lambda plan: _responses.responses_frames(plan),
}


def error_body(fmt: Fmt, status: int, message: str) -> bytes:
    """An error body in the vendor's own shape."""
    if fmt is Fmt.ANTHROPIC:
        kinds = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}  # fmt: skip
        kind = kinds.get(status, "api_error")
        return orjson.dumps({"type": "error", "error": {"type": kind, "message": message}})
    if fmt is Fmt.GEMINI:
        statuses = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                    404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}  # fmt: skip
        return orjson.dumps(
            {
                "error": {
                    "code": status,
                    "message": message,
                    "status": statuses.get(status, "INTERNAL"),
                }
            }
        )
    kind = "invalid_request_error" if status < 500 else "server_error"
    code = {401: "invalid_api_key", 429: "rate_limit_exceeded"}.get(status)
    return orjson.dumps({"error": {"message": message, "type": kind, "param": None, "code": code}})


def _stream_error_frame(fmt: Fmt) -> bytes:
    if fmt is Fmt.ANTHROPIC:
        return _sse(
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            "error",
        )
    if fmt is Fmt.RESPONSES:
        return _responses.stream_error_frame()
    return b"data: " + error_body(fmt, 500, "mock stream error") + b"\n\n"


# ----------------------------------------------------------------------------- state, faults


FAULT_MODES = (
    "timeout",
    "hang_before_headers",
    "slow_first_byte",
    "cut_stream",
    "stream_error",
    "malformed",
)


@dataclass
class Fault:
    """One injected failure; the first matching fault with ``times`` left fires.

    ``status``: answer with this status and ``body`` (default: an error in the endpoint's format)
    plus ``headers``. ``mode``: ``timeout`` (never answer; with ``delay_ms``, drop the connection
    after it), ``hang_before_headers`` (wait ``delay_ms``, default forever, then answer normally),
    ``slow_first_byte`` (headers now, body after ``delay_ms``, default 2000), ``cut_stream``
    (drop the connection after ``after_chunks`` SSE frames; half the body when not streaming),
    ``stream_error`` (an in-stream error event after ``after_chunks`` frames), ``malformed``
    (200 with a body that is not valid JSON). ``times`` None means until removed.
    ``match`` keys (all optional, all must hold): ``key`` (the API key the caller sent),
    ``path`` (prefix), ``model`` (exact), ``stream`` (bool), ``format`` (openai|anthropic|gemini).
    """

    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    mode: str | None = None
    after_chunks: int = 0
    delay_ms: int | None = None
    times: int | None = None
    match: dict[str, Any] = field(default_factory=dict)
    id: int = 0
    hits: int = 0

    def matches(self, call: Call) -> bool:
        """Whether this fault applies to the call."""
        m = self.match
        return (
            ("key" not in m or m["key"] == call.key)
            and ("path" not in m or call.path.startswith(m["path"]))
            and ("model" not in m or m["model"] == call.model)
            and ("stream" not in m or bool(m["stream"]) == call.stream)
            and ("format" not in m or m["format"] == call.fmt.value)
        )


@dataclass
class Call:
    """What the handler knows about one proxied call before answering."""

    fmt: Fmt
    path: str
    key: str | None
    model: str
    stream: bool


@dataclass
class RecordedRequest:
    """One request the mock received, with what it answered (``reply_text``, ``usage``)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    body: str | None
    key: str | None
    format: str | None
    stream: bool
    model: str | None
    reply_text: str | None = None
    reasoning_text: str | None = None
    usage: dict[str, int] | None = None
    fault_id: int | None = None
    time: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what ``GET /_mock/requests`` returns)."""
        return asdict(self)


class MockState:
    """Faults, defaults and the request log; shared by the server thread and test code."""

    def __init__(self, *, record: bool = True, max_recorded: int = 10_000) -> None:
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.recorded: deque[RecordedRequest] = deque(maxlen=max_recorded)
        self.record = record
        self.defaults = Knobs()
        self.valid_keys: frozenset[str] | None = None
        self._next_fault = 1

    def add_fault(self, fault: Fault) -> Fault:
        """Register a fault; returns it with its id."""
        if fault.mode is not None and fault.mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {fault.mode!r}; one of {FAULT_MODES}")
        if fault.status is None and fault.mode is None:
            raise ValueError("a fault needs a status or a mode")
        with self.lock:
            fault.id = self._next_fault
            self._next_fault += 1
            self.faults.append(fault)
        return fault

    def take_fault(self, call: Call) -> Fault | None:
        """The fault that fires for this call, consuming one of its ``times``."""
        if not self.faults:
            return None
        with self.lock:
            for fault in self.faults:
                if (fault.times is None or fault.times > 0) and fault.matches(call):
                    fault.hits += 1
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def configure(self, config: dict[str, Any]) -> None:
        """Apply ``POST /_mock/config``: chunks, delay_ms, words, record, valid_keys."""
        current = self.defaults
        self.defaults = Knobs(
            chunks=config.get("chunks", current.chunks),
            delay_ms=int(config.get("delay_ms", current.delay_ms) or 0),
            words=config.get("words", current.words),
        )
        if "record" in config:
            self.record = bool(config["record"])
        if "valid_keys" in config:
            keys = config["valid_keys"]
            self.valid_keys = None if keys is None else frozenset(keys)

    def reset(self) -> None:
        """Forget faults, recorded requests and configuration."""
        with self.lock:
            self.faults.clear()
            self.recorded.clear()
            self.defaults = Knobs()
            self.valid_keys = None
            self.record = True


# ------------------------------------------------------------------------------------ server


def _api_key(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization")
    if auth:
        return auth[7:] if auth[:7].lower() == "bearer " else auth
    return (
        request.headers.get("x-api-key")
        or request.headers.get("x-goog-api-key")
        or request.query.get("key")
    )


def _json_response(
    body: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json", headers=headers)


class MockServer:
    """The aiohttp application and its handlers."""

    def __init__(self, state: MockState | None = None) -> None:
        self.state = state or MockState()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.add_routes(
            [
                web.post("/v1/chat/completions", self.openai_chat),
                web.post("/chat/completions", self.openai_chat),
                web.post("/v1/responses", self.openai_responses),
                web.post("/responses", self.openai_responses),
                web.post("/v1/embeddings", self.openai_embeddings),
                web.get("/v1/models", self.list_models),
                web.post("/v1/messages", self.anthropic_messages),
                web.post("/v1/messages/count_tokens", self.anthropic_count),
                web.get("/v1beta/models", self.gemini_models),
                web.post("/v1beta/models/{target}", self.gemini),
                web.post("/v1/models/{target}", self.gemini),
                web.post("/_mock/faults", self.add_fault),
                web.get("/_mock/faults", self.list_faults),
                web.delete("/_mock/faults", self.clear_faults),
                web.get("/_mock/requests", self.list_requests),
                web.delete("/_mock/requests", self.clear_requests),
                web.post("/_mock/config", self.configure),
                web.post("/_mock/reset", self.reset),
            ]
        )
        for hook in ROUTE_HOOKS:
            app.add_routes(hook(self))
        self.app = app

    def runner(self) -> web.AppRunner:
        """An AppRunner without access logs that cancels handlers of vanished clients."""
        return web.AppRunner(
            self.app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )

    # -- relay endpoints

    async def openai_chat(self, request: web.Request) -> web.StreamResponse:
        return await self._generate(request, Fmt.OPENAI, None, None)

    async def openai_responses(self, request: web.Request) -> web.StreamResponse:
        return await self._generate(request, Fmt.RESPONSES, None, None)

    async def anthropic_messages(self, request: web.Request) -> web.StreamResponse:
        return await self._generate(request, Fmt.ANTHROPIC, None, None)

    async def gemini(self, request: web.Request) -> web.StreamResponse:
        model, _, method = request.match_info["target"].partition(":")
        if method == "countTokens":
            body = await self._read_json(request)
            if not isinstance(body, dict):
                return _json_response(error_body(Fmt.GEMINI, 400, "invalid JSON"), 400)
            source = body.get("generateContentRequest", body)
            return _json_response(
                orjson.dumps({"totalTokens": PROMPT_BASE_TOKENS + prompt_words(source)})
            )
        if method not in ("generateContent", "streamGenerateContent"):
            return _json_response(error_body(Fmt.GEMINI, 404, f"unknown method {method}"), 404)
        return await self._generate(request, Fmt.GEMINI, model, method == "streamGenerateContent")

    async def anthropic_count(self, request: web.Request) -> web.StreamResponse:
        body = await self._read_json(request)
        if not isinstance(body, dict):
            return _json_response(error_body(Fmt.ANTHROPIC, 400, "invalid JSON"), 400)
        return _json_response(
            orjson.dumps({"input_tokens": PROMPT_BASE_TOKENS + prompt_words(body)})
        )

    async def openai_embeddings(self, request: web.Request) -> web.StreamResponse:
        body = await self._read_json(request)
        if not isinstance(body, dict):
            return _json_response(error_body(Fmt.OPENAI, 400, "invalid JSON"), 400)
        inputs = body.get("input")
        items = inputs if isinstance(inputs, list) else [inputs]
        tokens = sum(_words(item) if isinstance(item, str) else len(item or ()) for item in items)
        self._record(request, body, Fmt.OPENAI, str(body.get("model")), False)
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": [round(0.001 * (i + 1) * (d + 1), 6) for d in range(8)],
            }
            for i in range(len(items))
        ]
        return _json_response(
            orjson.dumps(
                {
                    "object": "list",
                    "data": data,
                    "model": body.get("model"),
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                }
            )
        )

    async def list_models(self, request: web.Request) -> web.StreamResponse:
        if "anthropic-version" in request.headers:
            data = [
                {"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
                for m in MODELS
            ]
            body = {"data": data, "has_more": False, "first_id": MODELS[0], "last_id": MODELS[-1]}
        else:
            body = {
                "object": "list",
                "data": [
                    {"id": m, "object": "model", "created": CREATED, "owned_by": "mock"}
                    for m in MODELS
                ],
            }
        return _json_response(orjson.dumps(body))

    async def gemini_models(self, request: web.Request) -> web.StreamResponse:
        models = [
            {
                "name": f"models/{m}",
                "displayName": m,
                "supportedGenerationMethods": [
                    "generateContent",
                    "streamGenerateContent",
                    "countTokens",
                ],
            }
            for m in MODELS
        ]
        return _json_response(orjson.dumps({"models": models}))

    # -- the common path

    async def _read_json(self, request: web.Request) -> Any:
        raw = await request.read()
        try:
            return orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            return None

    def _record(
        self, request: web.Request, body: Any, fmt: Fmt | None, model: str | None, stream: bool
    ) -> RecordedRequest | None:
        if not self.state.record:
            return None
        entry = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={k.lower(): v for k, v in request.headers.items()},
            json=body,
            body=None,
            key=_api_key(request),
            format=fmt.value if fmt else None,
            stream=stream,
            model=model,
            time=time.time(),
        )
        self.state.recorded.append(entry)
        return entry

    async def _generate(
        self, request: web.Request, fmt: Fmt, model: str | None, stream: bool | None
    ) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            entry = self._record(request, None, fmt, model, bool(stream))
            if entry is not None:
                entry.body = raw[:4096].decode(errors="replace")
            return _json_response(error_body(fmt, 400, "request body is not a JSON object"), 400)
        model = model or str(body.get("model") or "")
        stream = bool(body.get("stream")) if stream is None else stream
        entry = self._record(request, body, fmt, model, stream)
        key = _api_key(request)
        valid = self.state.valid_keys
        if valid is not None and key not in valid:
            return _json_response(error_body(fmt, 401, "invalid api key"), 401)
        fault = self.state.take_fault(
            Call(fmt=fmt, path=request.path, key=key, model=model, stream=stream)
        )
        if entry is not None and fault is not None:
            entry.fault_id = fault.id
        knobs = knobs_for(model, request.headers, self.state.defaults)
        if fmt is Fmt.RESPONSES:
            plan: Plan = _responses.responses_plan(body, model, knobs)
        else:
            plan = plan_for(body, model, knobs)
        if entry is not None:
            entry.reply_text = plan.text
            entry.reasoning_text = plan.reasoning
            entry.usage = plan.usage()
        if fault is not None:
            early = await self._fault_before_answer(request, fmt, fault)
            if early is not None:
                return early
        if stream and fmt is Fmt.GEMINI and request.query.get("alt") != "sse":
            # Without alt=sse Gemini streams one JSON array of responses.
            frames = RENDER_FRAMES[fmt](plan)
            return _json_response(b"[" + b",".join(f[6:].rstrip() for f in frames) + b"]")
        if stream:
            return await self._stream(request, RENDER_FRAMES[fmt](plan), plan.delay_ms, fault, fmt)
        payload = RENDER_JSON[fmt](plan)
        if fault is not None and fault.mode in ("slow_first_byte", "cut_stream", "malformed"):
            return await self._faulty_json(request, payload, fault)
        return _json_response(payload)

    async def _fault_before_answer(
        self, request: web.Request, fmt: Fmt, fault: Fault
    ) -> web.StreamResponse | None:
        delay = None if fault.delay_ms is None else fault.delay_ms / 1000
        if fault.mode == "timeout":
            await asyncio.sleep(FOREVER if delay is None else delay)
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        if fault.mode == "hang_before_headers":
            await asyncio.sleep(FOREVER if delay is None else delay)
        if fault.status is not None:
            if delay and fault.mode is None:
                await asyncio.sleep(delay)
            body = (
                error_body(fmt, fault.status, f"mock fault {fault.id}")
                if fault.body is None
                else fault.body
            )
            raw = (
                body
                if isinstance(body, bytes)
                else body.encode()
                if isinstance(body, str)
                else orjson.dumps(body)
            )
            return _json_response(raw, fault.status, fault.headers)
        return None

    async def _faulty_json(
        self, request: web.Request, payload: bytes, fault: Fault
    ) -> web.StreamResponse:
        if fault.mode == "malformed":
            return _json_response(payload[: len(payload) // 2] + b"<<not json")
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        response.content_length = len(payload)
        await response.prepare(request)
        if fault.mode == "slow_first_byte":
            await asyncio.sleep(2.0 if fault.delay_ms is None else fault.delay_ms / 1000)
            await response.write(payload)
            await response.write_eof()
            return response
        await response.write(payload[: len(payload) // 2])
        return self._abort(request, response)

    def _abort(self, request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        # Dropping the socket mid-body is the point: the client must see an incomplete response.
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError

    async def _stream(
        self,
        request: web.Request,
        frames: tuple[bytes, ...],
        delay_ms: int,
        fault: Fault | None,
        fmt: Fmt,
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        mode = fault.mode if fault is not None else None
        if mode == "slow_first_byte":
            assert fault is not None
            await asyncio.sleep(2.0 if fault.delay_ms is None else fault.delay_ms / 1000)
        stop = len(frames)
        if mode in ("cut_stream", "stream_error", "malformed") and fault is not None:
            stop = min(fault.after_chunks, len(frames))
        if delay_ms:
            for frame in frames[:stop]:
                await response.write(frame)
                await asyncio.sleep(delay_ms / 1000)
        elif stop:
            await response.write(b"".join(frames[:stop]))
        if mode == "cut_stream":
            return self._abort(request, response)
        if mode == "stream_error":
            await response.write(_stream_error_frame(fmt))
        elif mode == "malformed":
            await response.write(b"data: {not json\n\n")
        await response.write_eof()
        return response

    # -- control API

    async def add_fault(self, request: web.Request) -> web.StreamResponse:
        spec = await self._read_json(request)
        if not isinstance(spec, dict):
            return _json_response(b'{"error":"fault must be a JSON object"}', 400)
        known = {"status", "body", "headers", "mode", "after_chunks", "delay_ms", "times", "match"}
        try:
            fault = self.state.add_fault(Fault(**{k: v for k, v in spec.items() if k in known}))
        except (TypeError, ValueError) as exc:
            return _json_response(orjson.dumps({"error": str(exc)}), 400)
        return _json_response(orjson.dumps({"id": fault.id}))

    async def list_faults(self, request: web.Request) -> web.StreamResponse:
        with self.state.lock:
            faults = [asdict(f) for f in self.state.faults]
        return _json_response(orjson.dumps(faults))

    async def clear_faults(self, request: web.Request) -> web.StreamResponse:
        with self.state.lock:
            self.state.faults.clear()
        return _json_response(b'{"ok":true}')

    async def list_requests(self, request: web.Request) -> web.StreamResponse:
        key = request.query.get("key")
        entries = [e.to_dict() for e in list(self.state.recorded) if key is None or e.key == key]
        return _json_response(orjson.dumps(entries))

    async def clear_requests(self, request: web.Request) -> web.StreamResponse:
        self.state.recorded.clear()
        return _json_response(b'{"ok":true}')

    async def configure(self, request: web.Request) -> web.StreamResponse:
        config = await self._read_json(request)
        if not isinstance(config, dict):
            return _json_response(b'{"error":"config must be a JSON object"}', 400)
        self.state.configure(config)
        return _json_response(b'{"ok":true}')

    async def reset(self, request: web.Request) -> web.StreamResponse:
        self.state.reset()
        return _json_response(b'{"ok":true}')


# ------------------------------------------------------------------------ in-process helper


class MockUpstream:
    """The mock server on a free port in a background thread with its own event loop.

    ``with MockUpstream() as upstream: client = OpenAI(base_url=upstream.url + "/v1", ...)``
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        record: bool = True,
        max_recorded: int = 10_000,
    ) -> None:
        self.state = MockState(record=record, max_recorded=max_recorded)
        self._host, self._port = host, port
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Base URL without a path, e.g. ``http://127.0.0.1:41234``."""
        return f"http://{self._host}:{self.port}"

    def start(self) -> Self:
        """Start serving; returns once the port accepts connections."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        sock.listen(1024)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name=f"mock-upstream:{self.port}", daemon=True
        )
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise RuntimeError("mock upstream failed to start") from self._error
        return self

    def _serve(self, sock: socket.socket) -> None:
        try:
            import uvloop

            loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        except ImportError:
            loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            runner = MockServer(self.state).runner()
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.SockSite(runner, sock).start())
            self._runner = runner
        except BaseException as exc:
            self._error = exc
            sock.close()
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            sock.close()
            loop.close()

    def stop(self) -> None:
        """Stop serving and join the thread (in-flight hanging handlers are cancelled)."""
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(15)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test-facing helpers (same process: no HTTP round trip needed)

    def requests(self, *, path: str | None = None, key: str | None = None) -> list[RecordedRequest]:
        """Recorded requests, oldest first, optionally filtered by path prefix or API key."""
        return [
            r
            for r in list(self.state.recorded)
            if (path is None or r.path.startswith(path)) and (key is None or r.key == key)
        ]

    @property
    def last_request(self) -> RecordedRequest:
        """The newest recorded request (IndexError when none)."""
        return self.state.recorded[-1]

    @property
    def last_reply_text(self) -> str | None:
        """The text the mock answered the newest request with."""
        return self.last_request.reply_text

    def clear_requests(self) -> None:
        """Forget recorded requests."""
        self.state.recorded.clear()

    def fail(
        self,
        status: int | None = None,
        *,
        times: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        mode: str | None = None,
        after_chunks: int = 0,
        delay_ms: int | None = None,
        key: str | None = None,
        path: str | None = None,
        model: str | None = None,
        stream: bool | None = None,
        format: str | None = None,
    ) -> int:
        """Inject a fault (see ``Fault``); returns its id."""
        match = {
            name: value
            for name, value in (
                ("key", key),
                ("path", path),
                ("model", model),
                ("stream", stream),
                ("format", format),
            )
            if value is not None
        }
        fault = Fault(
            status=status,
            body=body,
            headers=headers or {},
            mode=mode,
            after_chunks=after_chunks,
            delay_ms=delay_ms,
            times=times,
            match=match,
        )
        return self.state.add_fault(fault).id

    def faults(self) -> list[Fault]:
        """Current faults with their remaining ``times`` and ``hits``."""
        with self.state.lock:
            return list(self.state.faults)

    def clear_faults(self) -> None:
        """Remove every fault."""
        with self.state.lock:
            self.state.faults.clear()

    def configure(self, **config: Any) -> None:
        """Server defaults: ``chunks``, ``delay_ms``, ``words``, ``record``, ``valid_keys``."""
        self.state.configure(config)

    def reset(self) -> None:
        """Forget faults, recorded requests and configuration."""
        self.state.reset()

    def expected_usage(
        self, request_json: dict[str, Any], *, model: str | None = None
    ) -> dict[str, int]:
        """``expected_usage`` under this server's current defaults."""
        name = model or str(request_json.get("model") or "mock-chat")
        return plan_for(request_json, name, knobs_for(name, None, self.state.defaults)).usage()


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.support.mock_upstream --port 8081``"""
    parser = argparse.ArgumentParser(
        description="relaygate mock upstream (OpenAI/Anthropic/Gemini)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--no-record", action="store_true", help="do not keep a request log (benchmarks)"
    )
    args = parser.parse_args(argv)
    loop: asyncio.AbstractEventLoop | None = None
    with contextlib.suppress(ImportError):
        import uvloop

        loop = uvloop.new_event_loop()
    server = MockServer(MockState(record=not args.no_record))
    web.run_app(
        server.app,
        loop=loop,
        host=args.host,
        port=args.port,
        access_log=None,
        handler_cancellation=True,
        shutdown_timeout=0.5,
        print=None,
    )


# The Responses endpoint lives in its own module, which builds on the definitions above.
from tests.support import mock_responses as _responses  # noqa: E402

if __name__ == "__main__":
    main()
