"""IR → OpenAI Responses wire."""

from __future__ import annotations

import time
from typing import Any

from relaygate.kit import jsonx
from relaygate.protocols import ir, wire
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport
from relaygate.protocols.openai_responses.items import (
    function_call_item,
    output_items,
    reasoning_item,
    response_id,
    response_object,
    status_for,
)
from relaygate.protocols.reasoning import effort_for, is_off

FORMAT = WireFormat.OPENAI_RESPONSES
ENCRYPTED_REASONING = "reasoning.encrypted_content"


def _note(details: dict[str, Any], losses: LossReport) -> None:
    if "cache_control" in details:
        losses.dropped("cache_control", "Responses caches prompts automatically")


def _part(block: ir.Block, role: str, losses: LossReport) -> dict[str, Any] | None:
    if isinstance(block, ir.TextBlock):
        _note(block.provider_details, losses)
        part: dict[str, Any] = {
            "type": "output_text" if role == "assistant" else "input_text",
            "text": block.text,
        }
        if "annotations" in block.provider_details:
            part["annotations"] = block.provider_details["annotations"]
        return part
    if isinstance(block, ir.ImageBlock):
        _note(block.provider_details, losses)
        url = block.url or wire.data_url(block.media_type, block.data or "")
        return {
            "type": "input_image",
            "image_url": url,
            "detail": block.provider_details.get("detail", "auto"),
        }
    if isinstance(block, ir.FileBlock):
        _note(block.provider_details, losses)
        file: dict[str, Any] = {"type": "input_file"}
        if block.filename:
            file["filename"] = block.filename
        if block.data is not None:
            file["file_data"] = wire.data_url(block.media_type, block.data)
        else:
            file["file_url"] = block.url
        return file
    if isinstance(block, ir.RawBlock) and block.origin == FORMAT:
        return block.data
    if isinstance(block, ir.RawBlock):
        losses.dropped(f"{block.data.get('type')} block", f"{block.origin} only")
    return None


def _assistant(message: ir.Message, losses: LossReport) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    text: dict[str, Any] | None = None
    for block in message.blocks:
        if isinstance(block, ir.TextBlock):
            if text is None:
                text = {"type": "message", "role": "assistant", "content": []}
                for key in ("id", "status"):
                    if f"item_{key}" in block.provider_details:
                        text[key] = block.provider_details[f"item_{key}"]
                items.append(text)
            text["content"].append(_part(block, "assistant", losses))
            continue
        text = None
        if isinstance(block, ir.ThinkingBlock):
            if block.origin == FORMAT:
                items.append(reasoning_item(block, block.signature))
            else:
                reason = (
                    "unsigned reasoning"
                    if block.origin is None
                    else f"{block.origin} reasoning proof"
                )
                losses.dropped("thinking", f"{reason} cannot be replayed to Responses")
        elif isinstance(block, ir.ToolCallBlock):
            if "thought_signature" in block.provider_details:
                losses.dropped("thought_signature", "Gemini signature cannot be verified by OpenAI")
            items.append(function_call_item(block, block.id))
        elif isinstance(block, ir.RawBlock) and block.origin == FORMAT:
            items.append(block.data)
        else:
            _part(block, "assistant", losses)
    return items


def _user(message: ir.Message, losses: LossReport) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for block in message.blocks:
        if isinstance(block, ir.ToolResultBlock):
            _note(block.provider_details, losses)
            if block.is_error:
                losses.dropped(
                    "tool_result.is_error", "Responses function outputs have no error flag"
                )
            if all(isinstance(b, ir.TextBlock) for b in block.content):
                output: Any = "".join(b.text for b in block.content if isinstance(b, ir.TextBlock))
            else:
                output = [p for b in block.content if (p := _part(b, "user", losses)) is not None]
            items.append(
                {"type": "function_call_output", "call_id": block.tool_call_id, "output": output}
            )
        elif isinstance(block, ir.RawBlock) and block.origin == FORMAT and "role" not in block.data:
            items.append(block.data)
        elif (part := _part(block, "user", losses)) is not None:
            parts.append(part)
    if parts:
        item: dict[str, Any] = {"type": "message"}
        item.update(
            {
                k: message.provider_details[k]
                for k in ("id", "status")
                if k in message.provider_details
            }
        )
        item["role"] = "user"
        plain = (
            message.provider_details.get("string_content")
            and len(parts) == 1
            and parts[0]["type"] == "input_text"
        )
        item["content"] = parts[0]["text"] if plain else parts
        items.append(item)
    return items


def encode_input(
    request: ir.Request, losses: LossReport
) -> tuple[str | None, list[dict[str, Any]]]:
    """IR system prompt and conversation → ``(instructions, input items)``."""
    native = request.source_format == FORMAT
    instructions: list[str] = []
    items: list[dict[str, Any]] = []
    for block in request.system:
        _note(block.provider_details, losses)
        if native and "role" in block.provider_details:
            role = block.provider_details["role"]
            items.append(
                {
                    "type": "message",
                    "role": role,
                    "content": [{"type": "input_text", "text": block.text}],
                }
            )
        else:
            instructions.append(block.text)
    for message in request.messages:
        if message.role == "assistant":
            items.extend(_assistant(message, losses))
        elif message.role == "system":
            for part in message.blocks:
                if isinstance(part, ir.TextBlock):
                    role = part.provider_details.get("role", "developer") if native else "developer"
                    items.append(
                        {
                            "type": "message",
                            "role": role,
                            "content": [{"type": "input_text", "text": part.text}],
                        }
                    )
        else:
            items.extend(_user(message, losses))
    return ("\n\n".join(instructions) if instructions else None), items


def _tools(request: ir.Request, body: dict[str, Any], losses: LossReport) -> None:
    tools: list[dict[str, Any]] = []
    for tool in request.tools:
        if tool.raw is not None:
            if tool.raw_origin == FORMAT:
                tools.append(tool.raw)
            else:
                losses.dropped(f"tools.{tool.name}", f"{tool.raw_origin} built-in tool")
            continue
        _note(tool.provider_details, losses)
        out: dict[str, Any] = {"type": "function", "name": tool.name}
        if tool.description is not None:
            out["description"] = tool.description
        out["parameters"] = tool.parameters if tool.parameters is not None else {"type": "object"}
        out["strict"] = tool.strict if tool.strict is not None else False
        tools.append(out)
    if tools:
        body["tools"] = tools
    choice = request.tool_choice
    if choice is not None:
        body["tool_choice"] = (
            {"type": "function", "name": choice.name} if choice.mode == "tool" else choice.mode
        )


def _reasoning(request: ir.Request, native: bool, losses: LossReport) -> dict[str, Any] | None:
    reasoning = request.reasoning
    if reasoning is None:
        return None
    out: dict[str, Any] = {}
    effort = "none" if is_off(reasoning) else effort_for(reasoning)
    if effort is not None:
        out["effort"] = "high" if effort == "max" else effort
        if reasoning.effort is None and reasoning.budget_tokens not in (None, 0):
            losses.coerced("thinking.budget_tokens", f"budget → reasoning.effort={effort}")
    if reasoning.summary is not None:
        out["summary"] = reasoning.summary
    elif not native and (reasoning.include_thoughts or reasoning.enabled):
        out["summary"] = "auto"  # the client wants to see thinking
    return out or None


def encode_request(request: ir.Request, losses: LossReport) -> bytes:
    """IR → Responses request body (stateless: ``store: false`` with encrypted reasoning)."""
    native = request.source_format == FORMAT
    body: dict[str, Any] = {"model": request.model}
    instructions, items = encode_input(request, losses)
    if instructions is not None:
        body["instructions"] = instructions
    if native and wire.hint(request, FORMAT, "input_string") and len(items) == 1:
        body["input"] = items[0]["content"]
    else:
        body["input"] = items
    _tools(request, body, losses)
    if (reasoning := _reasoning(request, native, losses)) is not None:
        body["reasoning"] = reasoning
    text: dict[str, Any] = dict(wire.hint(request, FORMAT, "text_extra") or {}) if native else {}
    fmt = request.response_format
    if fmt is not None and fmt.type == "json_schema":
        schema: dict[str, Any] = {"type": "json_schema", "name": fmt.name or "response"}
        if fmt.description is not None:
            schema["description"] = fmt.description
        schema["schema"] = fmt.schema or {}
        if fmt.strict is not None:
            schema["strict"] = fmt.strict
        text = {"format": schema, **text}
    elif fmt is not None:
        text = {"format": {"type": fmt.type}, **text}
    if text:
        body["text"] = text
    for key, value in (
        ("max_output_tokens", request.max_tokens),
        ("temperature", request.temperature),
        ("top_p", request.top_p),
    ):
        if value is not None:
            body[key] = value
    for key in ("top_k", "seed", "presence_penalty", "frequency_penalty"):
        if getattr(request, key) is not None:
            losses.dropped(key, "Responses has no equivalent")
    if request.stop:
        losses.dropped("stop", "Responses has no stop sequences")
    if request.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = request.parallel_tool_calls
    if request.stream:
        body["stream"] = True
    if request.metadata:
        body["metadata"] = request.metadata
    if request.user is not None:
        body["user"] = request.user
    if native:
        for key in ("store", "include"):
            if wire.hint(request, FORMAT, key) is not None:
                body[key] = wire.hint(request, FORMAT, key)
    else:
        # Converted conversations are replayed in full each turn, so nothing is stored and
        # reasoning comes back encrypted for the next turn.
        body["store"] = False
        body["include"] = [ENCRYPTED_REASONING]
    wire.merge_extras(request, FORMAT, body, losses)
    return jsonx.dumps(body)


def encode_response(response: ir.Response) -> bytes:
    """IR → Responses response body."""
    body = response_object(
        response_id(response.id), response.model, status_for(response.finish_reason),
        output_items(response.blocks), response.usage, response.finish_reason,
        response.provider_details.get("created", int(time.time())),
    )  # fmt: skip
    return jsonx.dumps(body)
