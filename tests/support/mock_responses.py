"""The mock upstream's OpenAI Responses endpoint: ``POST /v1/responses``, JSON or SSE.

It follows the mock's conventions (``tests.support.mock_upstream``): the reply is a pure function
of the request, computed by ``plan_for`` on a chat-shaped view of the body, so text, tool calls,
reasoning and usage are the same as the chat endpoint would give. Responses-only behaviour:

- ``reasoning`` turns reasoning on (as ``reasoning_effort`` does for chat); a ``reasoning`` output
  item is always emitted then, with the reasoning text as its summary only when
  ``reasoning.summary`` is set, and with ``encrypted_content`` only when ``include`` lists
  ``reasoning.encrypted_content`` (what Codex sends with ``store: false``);
- tool calls are ``function_call`` items (``call_id`` ``call_mock_<name>_0``) streamed with
  ``response.function_call_arguments.delta/done``;
- the stream is the full event sequence: ``response.created``, ``response.in_progress``,
  ``output_item.added/done``, ``reasoning_summary_part/text``, ``content_part.added/done``,
  ``output_text.delta/done``, then ``response.completed`` (``response.incomplete`` when the
  reply was cut by ``max_output_tokens``) whose usage has ``input_tokens_details.cached_tokens``
  and ``output_tokens_details.reasoning_tokens``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

import orjson
from tests.support.mock_upstream import (
    CREATED,
    Knobs,
    Plan,
    _id,
    _split,
    _sse,
    _thirds,
    knobs_for,
    plan_for,
)

ENCRYPTED_INCLUDE = "reasoning.encrypted_content"


@dataclass(frozen=True, slots=True)
class ResponsesPlan(Plan):
    """A ``Plan`` plus what only the Responses rendering needs."""

    encrypted: bool
    """Reasoning items carry ``encrypted_content`` (``include`` asked for it)."""
    summary: str | None
    """``reasoning.summary`` (the reasoning text is shown as a summary only when set)."""
    echo: bytes
    """Request fields the response object echoes (JSON: tools, tool_choice, store, …)."""


# ------------------------------------------------------------------------- request analysis


def _message_content(content: Any) -> Any:
    """Responses content (string or input_text/output_text parts) as chat content."""
    return content if isinstance(content, str | list) else ""


def chat_view(body: dict[str, Any]) -> dict[str, Any]:
    """The request as a chat completions body, so ``plan_for`` reads it like every other format.

    ``instructions`` and developer/system messages become system messages, ``function_call``
    items assistant tool calls, ``function_call_output`` items tool messages; reasoning items
    carry no prompt words. Tools, ``tool_choice``, ``reasoning`` and ``max_output_tokens`` are
    already in shapes ``plan_for`` understands.
    """
    messages: list[dict[str, Any]] = []
    if isinstance(body.get("instructions"), str):
        messages.append({"role": "system", "content": body["instructions"]})
    items = body.get("input")
    if isinstance(items, str):
        messages.append({"role": "user", "content": items})
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role", "user")
            role = "system" if role == "developer" else role
            messages.append({"role": role, "content": _message_content(item.get("content"))})
        elif kind == "function_call":
            call = {"id": item.get("call_id"), "type": "function", "function": {}}
            call["function"] = {"name": item.get("name"), "arguments": item.get("arguments")}
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": item.get("call_id"),
                    "content": output if isinstance(output, str | list) else "",
                }
            )
    view = {k: v for k, v in body.items() if k not in ("input", "instructions", "stream_options")}
    view["messages"] = messages
    return view


def responses_plan(body: dict[str, Any], model: str, knobs: Knobs | None = None) -> ResponsesPlan:
    """The reply to a Responses request body."""
    knobs = knobs or knobs_for(model)
    base = plan_for(chat_view(body), model, knobs)
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    include = body.get("include") if isinstance(body.get("include"), list) else []
    echo = {
        key: body[key]
        for key in (
            "instructions",
            "max_output_tokens",
            "metadata",
            "parallel_tool_calls",
            "previous_response_id",
            "prompt_cache_key",
            "reasoning",
            "store",
            "temperature",
            "text",
            "tool_choice",
            "tools",
            "top_p",
            "user",
        )
        if key in body
    }
    return ResponsesPlan(
        **{f.name: getattr(base, f.name) for f in fields(Plan)},
        encrypted=ENCRYPTED_INCLUDE in include,
        summary=reasoning.get("summary") if isinstance(reasoning.get("summary"), str) else None,
        echo=orjson.dumps(echo),
    )


def expected_usage(body: dict[str, Any], *, model: str | None = None) -> dict[str, int]:
    """Format-neutral usage the mock reports for a Responses body (see ``Plan.usage``)."""
    name = model or str(body.get("model") or "mock-chat")
    return responses_plan(body, name).usage()


# ---------------------------------------------------------------------------------- rendering


def encrypted_content(plan: Plan) -> str:
    """The opaque ``encrypted_content`` of the plan's reasoning item (deterministic)."""
    digest = hashlib.sha256(f"{plan.model}:{plan.reasoning}:{plan.tool_calls}".encode()).digest()
    return base64.b64encode(b"mock-encrypted:" + digest).decode()


def _usage(plan: Plan) -> dict[str, Any]:
    usage = plan.usage()
    return {
        "input_tokens": usage["prompt_tokens"],
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": usage["completion_tokens"],
        "output_tokens_details": {"reasoning_tokens": usage["reasoning_tokens"]},
        "total_tokens": usage["total_tokens"],
    }


def _response(plan: ResponsesPlan, status: str, output: list[Any], final: bool) -> dict[str, Any]:
    echo = orjson.loads(plan.echo)
    body: dict[str, Any] = {
        "id": _id("resp_mock", plan),
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "instructions": echo.get("instructions"),
        "max_output_tokens": echo.get("max_output_tokens"),
        "model": plan.model,
        "output": output,
        "parallel_tool_calls": echo.get("parallel_tool_calls", True),
        "previous_response_id": echo.get("previous_response_id"),
        "prompt_cache_key": echo.get("prompt_cache_key"),
        "reasoning": {
            "effort": (echo.get("reasoning") or {}).get("effort"),
            "summary": plan.summary,
        },
        "store": echo.get("store", True),
        "temperature": echo.get("temperature", 1.0),
        "text": echo.get("text") or {"format": {"type": "text"}},
        "tool_choice": echo.get("tool_choice", "auto"),
        "tools": echo.get("tools", []),
        "top_p": echo.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": _usage(plan) if final else None,
        "user": echo.get("user"),
        "metadata": echo.get("metadata") or {},
    }
    return body


def _status(plan: Plan) -> str:
    return "incomplete" if plan.truncated else "completed"


def _reasoning_item(plan: ResponsesPlan) -> dict[str, Any] | None:
    if not plan.reasoning:
        return None
    item: dict[str, Any] = {"id": _id("rs_mock", plan), "type": "reasoning", "summary": []}
    if plan.summary and plan.show_reasoning:
        item["summary"] = [{"type": "summary_text", "text": plan.reasoning}]
    if plan.encrypted:
        item["encrypted_content"] = encrypted_content(plan)
    return item


def _message_item(plan: Plan, status: str = "completed") -> dict[str, Any]:
    part = {"type": "output_text", "text": plan.text, "annotations": [], "logprobs": []}
    return {
        "id": _id("msg_mock", plan),
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": [part],
    }


def _call_items(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "id": f"fc_mock_{index}_" + _id("", plan),
            "type": "function_call",
            "status": "completed",
            "arguments": call.arguments,
            "call_id": "call_" + call.id,
            "name": call.name,
        }
        for index, call in enumerate(plan.tool_calls)
    ]


def _output(plan: ResponsesPlan) -> list[dict[str, Any]]:
    output: list[dict[str, Any]] = []
    if (reasoning := _reasoning_item(plan)) is not None:
        output.append(reasoning)
    if plan.text or not plan.tool_calls:
        output.append(_message_item(plan, _status(plan)))
    return output + _call_items(plan)


@lru_cache(maxsize=4096)
def responses_json(plan: ResponsesPlan) -> bytes:
    """A ``response`` object body."""
    return orjson.dumps(_response(plan, _status(plan), _output(plan), final=True))


@lru_cache(maxsize=4096)
def responses_frames(plan: ResponsesPlan) -> tuple[bytes, ...]:
    """The SSE event sequence of a streamed response (each frame has ``event:`` and
    ``sequence_number``)."""
    frames: list[bytes] = []

    def emit(kind: str, **payload: Any) -> None:
        frames.append(_sse({"type": kind, "sequence_number": len(frames), **payload}, kind))

    emit("response.created", response=_response(plan, "in_progress", [], final=False))
    emit("response.in_progress", response=_response(plan, "in_progress", [], final=False))
    index = 0
    reasoning = _reasoning_item(plan)
    if reasoning is not None:
        ident = reasoning["id"]
        emit(
            "response.output_item.added",
            output_index=index,
            item={"id": ident, "type": "reasoning", "summary": []},
        )
        for number, summary in enumerate(reasoning["summary"]):
            text = summary["text"]
            head = {"item_id": ident, "output_index": index, "summary_index": number}
            emit("response.reasoning_summary_part.added", **head, part={**summary, "text": ""})
            for piece in _split(text, 99):
                emit("response.reasoning_summary_text.delta", **head, delta=piece)
            emit("response.reasoning_summary_text.done", **head, text=text)
            emit("response.reasoning_summary_part.done", **head, part=summary)
        emit("response.output_item.done", output_index=index, item=reasoning)
        index += 1
    if plan.text or not plan.tool_calls:
        done = _message_item(plan, _status(plan))
        ident = done["id"]
        emit(
            "response.output_item.added",
            output_index=index,
            item={**done, "status": "in_progress", "content": []},
        )
        head = {"item_id": ident, "output_index": index, "content_index": 0}
        part = done["content"][0]
        emit("response.content_part.added", **head, part={**part, "text": ""})
        for piece in _split(plan.text, plan.chunks):
            emit("response.output_text.delta", **head, delta=piece, logprobs=[])
        emit("response.output_text.done", **head, text=plan.text, logprobs=[])
        emit("response.content_part.done", **head, part=part)
        emit("response.output_item.done", output_index=index, item=done)
        index += 1
    for call in _call_items(plan):
        emit(
            "response.output_item.added",
            output_index=index,
            item={**call, "status": "in_progress", "arguments": ""},
        )
        for piece in _thirds(call["arguments"]):
            emit(
                "response.function_call_arguments.delta",
                item_id=call["id"],
                output_index=index,
                delta=piece,
            )
        emit(
            "response.function_call_arguments.done",
            item_id=call["id"],
            output_index=index,
            arguments=call["arguments"],
        )
        emit("response.output_item.done", output_index=index, item=call)
        index += 1
    status = _status(plan)
    emit(f"response.{status}", response=_response(plan, status, _output(plan), final=True))
    return tuple(frames)


def stream_error_frame() -> bytes:
    """The ``error`` event a Responses stream ends with when the upstream fails midway."""
    return _sse(
        {
            "type": "error",
            "code": "server_error",
            "message": "mock stream error",
            "param": None,
            "sequence_number": 0,
        },
        "error",
    )
