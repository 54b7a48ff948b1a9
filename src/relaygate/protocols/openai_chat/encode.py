"""IR → OpenAI Chat Completions wire."""

from __future__ import annotations

import time
from typing import Any

from relaygate.kit import jsonx
from relaygate.protocols import carry, ir, wire
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport
from relaygate.protocols.reasoning import budget_for, effort_for, is_off

FORMAT = WireFormat.OPENAI_CHAT

FINISH_REASONS: dict[str, str] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "content_filter": "content_filter",
    "refusal": "content_filter",
    "pause": "stop",
    "error": "stop",
}


def _note_details(details: dict[str, Any], losses: LossReport) -> None:
    if "cache_control" in details:
        losses.dropped("cache_control", "OpenAI chat caches prompts automatically")


def _part(block: ir.Block, losses: LossReport) -> dict[str, Any] | None:
    if isinstance(block, ir.TextBlock):
        _note_details(block.provider_details, losses)
        return {"type": "text", "text": block.text}
    if isinstance(block, ir.ImageBlock):
        _note_details(block.provider_details, losses)
        url = block.url or wire.data_url(block.media_type, block.data or "")
        image: dict[str, Any] = {"url": url}
        if "detail" in block.provider_details:
            image["detail"] = block.provider_details["detail"]
        return {"type": "image_url", "image_url": image}
    if isinstance(block, ir.FileBlock):
        _note_details(block.provider_details, losses)
        file: dict[str, Any] = {}
        if block.data is not None:
            file["file_data"] = wire.data_url(block.media_type, block.data)
        elif "file_id" in block.provider_details:
            file["file_id"] = block.provider_details["file_id"]
        else:
            losses.dropped("file.url", "OpenAI chat takes files inline or by file_id only")
            return None
        if block.filename:
            file["filename"] = block.filename
        return {"type": "file", "file": file}
    if isinstance(block, ir.RawBlock):
        if block.origin == FORMAT:
            return block.data
        losses.dropped(f"{block.data.get('type')} block", f"{block.origin} only")
    return None


def _content(blocks: list[ir.Block], losses: LossReport) -> str | list[dict[str, Any]] | None:
    parts = [part for block in blocks if (part := _part(block, losses)) is not None]
    if not parts:
        return None
    if len(parts) == 1 and parts[0]["type"] == "text":
        return str(parts[0]["text"])
    return parts


def _assistant(message: ir.Message, losses: LossReport) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant"}
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    content: list[ir.Block] = []
    for block in message.blocks:
        if isinstance(block, ir.ThinkingBlock):
            if block.origin is not None:
                losses.dropped(
                    "thinking", f"{block.origin} reasoning proof cannot be verified here"
                )
            elif block.text:
                reasoning.append(block.text)
        elif isinstance(block, ir.ToolCallBlock):
            if "thought_signature" in block.provider_details:
                losses.dropped("thought_signature", "OpenAI chat has no thought signature field")
            call = {"name": block.name, "arguments": block.arguments or "{}"}
            calls.append({"id": block.id, "type": "function", "function": call})
        else:
            content.append(block)
    out["content"] = _content(content, losses)
    if reasoning:
        out["reasoning_content"] = "".join(reasoning)
    if calls:
        out["tool_calls"] = calls
    if "name" in message.provider_details:
        out["name"] = message.provider_details["name"]
    return out


def _user(message: ir.Message, losses: LossReport) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    rest: list[ir.Block] = []
    for block in message.blocks:
        if isinstance(block, ir.ToolResultBlock):
            _note_details(block.provider_details, losses)
            if block.is_error:
                losses.dropped(
                    "tool_result.is_error", "OpenAI chat tool messages have no error flag"
                )
            texts = [b.text for b in block.content if isinstance(b, ir.TextBlock)]
            if len(texts) != len(block.content):
                losses.dropped("tool_result.image", "OpenAI chat tool messages carry text only")
            out.append(
                {"role": "tool", "tool_call_id": block.tool_call_id, "content": "".join(texts)}
            )
        elif isinstance(block, ir.ThinkingBlock | ir.ToolCallBlock):
            losses.dropped(f"user {block.kind}", "misplaced block")
        else:
            rest.append(block)
    if rest or not out:
        user: dict[str, Any] = {"role": "user", "content": _content(rest, losses) or ""}
        if "name" in message.provider_details:
            user["name"] = message.provider_details["name"]
        out.append(user)
    return out


def encode_messages(request: ir.Request, losses: LossReport) -> list[dict[str, Any]]:
    """IR system prompt and conversation → chat messages."""
    native = request.source_format == FORMAT
    messages: list[dict[str, Any]] = []
    for block in request.system:
        _note_details(block.provider_details, losses)
        role = block.provider_details.get("role", "system") if native else "system"
        messages.append({"role": role, "content": block.text})
    for message in request.messages:
        if message.role == "assistant":
            messages.append(_assistant(message, losses))
        elif message.role == "system":
            for part in message.blocks:
                if isinstance(part, ir.TextBlock):
                    role = part.provider_details.get("role", "system") if native else "system"
                    messages.append({"role": role, "content": part.text})
        else:
            messages.extend(_user(message, losses))
    return messages


def _tool(tool: ir.Tool, losses: LossReport) -> dict[str, Any] | None:
    if tool.raw is not None:
        if tool.raw_origin == FORMAT:
            return tool.raw
        losses.dropped(f"tools.{tool.name}", f"{tool.raw_origin} built-in tool")
        return None
    _note_details(tool.provider_details, losses)
    function: dict[str, Any] = {"name": tool.name}
    if tool.description is not None:
        function["description"] = tool.description
    function["parameters"] = tool.parameters if tool.parameters is not None else {"type": "object"}
    if tool.strict is not None:
        function["strict"] = tool.strict
    return {"type": "function", "function": function}


def encode_tool_choice(choice: ir.ToolChoice) -> str | dict[str, Any]:
    """IR tool choice → chat ``tool_choice``."""
    if choice.mode == "tool":
        return {"type": "function", "function": {"name": choice.name}}
    return choice.mode


def _reasoning(request: ir.Request, body: dict[str, Any], losses: LossReport) -> None:
    reasoning = request.reasoning
    if reasoning is None:
        return
    if is_off(reasoning):
        losses.coerced("thinking", "disabled → provider default (chat cannot switch reasoning off)")
        return
    effort = effort_for(reasoning)
    if effort is None:
        return
    body["reasoning_effort"] = "high" if effort in ("xhigh", "max") else effort
    if reasoning.effort is None and budget_for(reasoning) is not None:
        losses.coerced("thinking.budget_tokens", f"budget → reasoning_effort={effort}")
    if reasoning.summary is not None:
        losses.dropped("reasoning.summary", "OpenAI chat has no reasoning summary control")


def _response_format(fmt: ir.ResponseFormat) -> dict[str, Any]:
    if fmt.type != "json_schema":
        return {"type": fmt.type}
    schema: dict[str, Any] = {"name": fmt.name or "response"}
    if fmt.description is not None:
        schema["description"] = fmt.description
    schema["schema"] = fmt.schema or {}
    if fmt.strict is not None:
        schema["strict"] = fmt.strict
    return {"type": "json_schema", "json_schema": schema}


def encode_request(request: ir.Request, losses: LossReport) -> bytes:
    """IR → chat completion request body."""
    body: dict[str, Any] = {"model": request.model, "messages": encode_messages(request, losses)}
    tools = [t for tool in request.tools if (t := _tool(tool, losses)) is not None]
    if tools:
        body["tools"] = tools
    if request.tool_choice is not None:
        body["tool_choice"] = encode_tool_choice(request.tool_choice)
    if request.max_tokens is not None:
        key = wire.hint(request, FORMAT, "max_tokens_key") or "max_tokens"
        body[key] = request.max_tokens
    for key in ("temperature", "top_p", "seed", "presence_penalty", "frequency_penalty"):
        if (value := getattr(request, key)) is not None:
            body[key] = value
    if request.top_k is not None:
        losses.dropped("top_k", "OpenAI chat has no top_k")
    if request.stop:
        body["stop"] = request.stop
    if request.stream:
        body["stream"] = True
        # Billing needs usage, so the upstream is always asked for it.
        body["stream_options"] = {"include_usage": True}
    _reasoning(request, body, losses)
    if request.response_format is not None:
        body["response_format"] = _response_format(request.response_format)
    if request.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = request.parallel_tool_calls
    if request.user is not None:
        body["user"] = request.user
    if request.metadata:
        body["metadata"] = request.metadata
    wire.merge_extras(request, FORMAT, body, losses)
    return jsonx.dumps(body)


def encode_usage(usage: ir.Usage) -> dict[str, Any]:
    """IR usage → chat ``usage`` (cache writes as OpenRouter's ``cache_write_tokens``)."""
    prompt: dict[str, int] = {"cached_tokens": usage.cache_read_tokens}
    if usage.cache_write_tokens:
        prompt["cache_write_tokens"] = usage.cache_write_tokens
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": prompt,
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
    }


def carried_id(block: ir.ToolCallBlock, pending: list[ir.ThinkingBlock]) -> str:
    """The tool-call id a chat client sees: the real id plus any proofs it must carry back."""
    return carry.attach(block.id, pending, block.provider_details.get("thought_signature"))


def needs_carrying(block: ir.ThinkingBlock) -> bool:
    """Whether a thinking block holds a vendor proof a chat client must bring back."""
    return block.origin is not None and (block.signature is not None or block.redacted)


def encode_response(response: ir.Response) -> bytes:
    """IR → chat completion response body."""
    message: dict[str, Any] = {"role": "assistant", "content": None}
    texts: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    pending: list[ir.ThinkingBlock] = []
    for block in response.blocks:
        if isinstance(block, ir.TextBlock):
            texts.append(block.text)
        elif isinstance(block, ir.ThinkingBlock):
            reasoning.append(block.text)
            if needs_carrying(block):
                pending.append(block)
        elif isinstance(block, ir.ToolCallBlock):
            function = {"name": block.name, "arguments": block.arguments or "{}"}
            calls.append(
                {"id": carried_id(block, pending), "type": "function", "function": function}
            )
            pending = []
    if texts:
        message["content"] = "".join(texts)
    if any(reasoning):
        message["reasoning_content"] = "".join(reasoning)
    if calls:
        message["tool_calls"] = calls
    body = {
        "id": response.id,
        "object": "chat.completion",
        "created": response.provider_details.get("created", int(time.time())),
        "model": response.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": FINISH_REASONS.get(response.finish_reason or "stop", "stop"),
                "logprobs": None,
            }
        ],
        "usage": encode_usage(response.usage),
    }
    return jsonx.dumps(body)
