"""IR → Anthropic Messages wire."""

from __future__ import annotations

from typing import Any

from relaygate.kit import jsonx
from relaygate.protocols import carry, ir, wire
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport
from relaygate.protocols.reasoning import EFFORT_BUDGETS, MIN_CLAUDE_BUDGET, budget_for, is_off

FORMAT = WireFormat.ANTHROPIC_MESSAGES

DEFAULT_MAX_TOKENS = 8192
"""Anthropic requires ``max_tokens``; used when the client gave none."""

STOP_REASONS: dict[str, str] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
    "refusal": "refusal",
    "pause": "pause_turn",
    "error": "end_turn",
}


def _source(url: str | None, data: str | None, media_type: str | None) -> dict[str, Any]:
    if data is not None:
        return {"type": "base64", "media_type": media_type, "data": data}
    return {"type": "url", "url": url}


def _with(block: dict[str, Any], details: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        if key in details:
            block[key] = details[key]
    return block


def _image(block: ir.ImageBlock, losses: LossReport) -> dict[str, Any]:
    if "detail" in block.provider_details:
        losses.dropped("image_url.detail", "Anthropic has no image detail setting")
    source = _source(block.url, block.data, block.media_type)
    return _with({"type": "image", "source": source}, block.provider_details, "cache_control")


def _thinking(block: ir.ThinkingBlock, losses: LossReport) -> dict[str, Any] | None:
    if block.origin == FORMAT:
        if block.redacted:
            return {"type": "redacted_thinking", "data": block.signature}
        return {"type": "thinking", "thinking": block.text, "signature": block.signature}
    # Anthropic rejects thinking it did not sign; earlier turns may simply omit it.
    reason = "unsigned reasoning" if block.origin is None else f"{block.origin} reasoning proof"
    losses.dropped("thinking", f"{reason} cannot be replayed to Anthropic")
    return None


def encode_block(block: ir.Block, losses: LossReport) -> dict[str, Any] | None:
    """One IR block → a Messages content block (``None`` when it cannot be carried)."""
    out: dict[str, Any]
    if isinstance(block, ir.TextBlock):
        if "thought_signature" in block.provider_details:
            losses.dropped("thought_signature", "Anthropic text blocks carry no signature")
        return _with(
            {"type": "text", "text": block.text},
            block.provider_details,
            "cache_control",
            "citations",
        )
    if isinstance(block, ir.ImageBlock):
        return _image(block, losses)
    if isinstance(block, ir.FileBlock):
        if block.data is None and block.url is None:
            losses.dropped("file.file_id", "Anthropic needs the document inline or by URL")
            return None
        out = {"type": "document", "source": _source(block.url, block.data, block.media_type)}
        if block.filename:
            out["title"] = block.filename
        return _with(out, block.provider_details, "cache_control", "citations", "context")
    if isinstance(block, ir.ToolCallBlock):
        if "thought_signature" in block.provider_details:
            losses.dropped("thought_signature", "Gemini signature cannot be verified by Anthropic")
        out = {
            "type": "tool_use",
            "id": block.id,
            "name": block.name,
            "input": wire.arguments_object(block.arguments),
        }
        return _with(out, block.provider_details, "cache_control")
    if isinstance(block, ir.ToolResultBlock):
        content: Any
        if (
            len(block.content) == 1
            and isinstance(block.content[0], ir.TextBlock)
            and not block.content[0].provider_details
        ):
            content = block.content[0].text
        else:
            content = [b for part in block.content if (b := encode_block(part, losses)) is not None]
        out = {
            "type": "tool_result",
            "tool_use_id": block.tool_call_id,
            "content": content,
        }
        if block.is_error:
            out["is_error"] = True
        return _with(out, block.provider_details, "cache_control")
    if isinstance(block, ir.ThinkingBlock):
        return _thinking(block, losses)
    if block.origin == FORMAT:
        return block.data
    losses.dropped(f"{block.data.get('type')} block", f"{block.origin} only")
    return None


def _message(message: ir.Message, native: bool, losses: LossReport) -> dict[str, Any] | None:
    role = message.role
    if role == "system" and not native:
        losses.coerced("system message", "mid-conversation system turn → user turn")
        role = "user"
    blocks = [b for block in message.blocks if (b := encode_block(block, losses)) is not None]
    if not blocks:
        return None
    if (
        message.provider_details.get("string_content")
        and len(blocks) == 1
        and blocks[0].keys() == {"type", "text"}
    ):
        return {"role": role, "content": blocks[0]["text"]}
    return {"role": role, "content": blocks}


def _system(request: ir.Request, native: bool) -> str | list[dict[str, Any]] | None:
    if not request.system:
        return None
    plain = len(request.system) == 1 and not request.system[0].provider_details
    as_string = wire.hint(request, FORMAT, "system_string") if native else plain
    if as_string and plain:
        return request.system[0].text
    return [
        _with({"type": "text", "text": block.text}, block.provider_details, "cache_control")
        for block in request.system
    ]


def _tools(request: ir.Request, body: dict[str, Any], losses: LossReport) -> None:
    tools: list[dict[str, Any]] = []
    for tool in request.tools:
        if tool.raw is not None:
            if tool.raw_origin == FORMAT:
                tools.append(tool.raw)
            else:
                losses.dropped(f"tools.{tool.name}", f"{tool.raw_origin} built-in tool")
            continue
        out: dict[str, Any] = _with({}, tool.provider_details, "type")
        out["name"] = tool.name
        if tool.description is not None:
            out["description"] = tool.description
        out["input_schema"] = tool.parameters if tool.parameters is not None else {"type": "object"}
        if request.source_format == FORMAT and tool.strict is not None:
            out["strict"] = tool.strict
        elif tool.strict:
            losses.dropped("tools.strict", "Anthropic strict tools need a beta; sent without")
        tools.append(_with(out, tool.provider_details, "cache_control"))
    if tools or (request.source_format == FORMAT and wire.hint(request, FORMAT, "empty_tools")):
        body["tools"] = tools
    choice: dict[str, Any] | None = None
    if request.tool_choice is not None:
        kind = {"required": "any"}.get(request.tool_choice.mode, request.tool_choice.mode)
        choice = {"type": kind}
        if request.tool_choice.mode == "tool":
            choice["name"] = request.tool_choice.name
    if request.parallel_tool_calls is False:
        choice = choice or {"type": "auto"}
        choice["disable_parallel_tool_use"] = True
    if choice is not None:
        body["tool_choice"] = choice


def _pending_tool_turn_unsigned(messages: list[dict[str, Any]]) -> bool:
    """Anthropic rejects thinking when the last assistant tool turn does not open with thinking."""
    for message in reversed(messages):
        if message["role"] != "assistant" or isinstance(message["content"], str):
            continue
        blocks = message["content"]
        calls = any(block.get("type") == "tool_use" for block in blocks)
        first = blocks[0].get("type") if blocks else None
        return calls and first not in ("thinking", "redacted_thinking")
    return False


def _thinking_config(
    request: ir.Request, reasoning: ir.Reasoning, body: dict[str, Any], losses: LossReport
) -> None:
    if _pending_tool_turn_unsigned(body["messages"]):
        losses.coerced("thinking", "disabled: the open tool turn has no Anthropic thinking block")
        body["thinking"] = {"type": "disabled"}
        return
    budget = budget_for(reasoning)
    if budget is None:
        budget = EFFORT_BUDGETS["medium"]
        losses.coerced("thinking.budget_tokens", f"dynamic budget → {budget}")
    elif reasoning.budget_tokens is None:
        losses.coerced("reasoning_effort", f"{reasoning.effort} → thinking.budget_tokens={budget}")
    if budget < MIN_CLAUDE_BUDGET:
        losses.coerced(
            "thinking.budget_tokens", f"{budget} → {MIN_CLAUDE_BUDGET} (Anthropic minimum)"
        )
        budget = MIN_CLAUDE_BUDGET
    body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    if body["max_tokens"] <= budget:
        raised = body["max_tokens"] + budget
        losses.coerced(
            "max_tokens", f"{body['max_tokens']} → {raised} (must exceed thinking budget)"
        )
        body["max_tokens"] = raised
    if request.temperature not in (None, 1.0):
        losses.dropped("temperature", "Anthropic thinking requires temperature 1")
        body.pop("temperature", None)


def _reasoning(request: ir.Request, body: dict[str, Any], native: bool, losses: LossReport) -> None:
    reasoning = request.reasoning
    output: dict[str, Any] = dict(wire.hint(request, FORMAT, "output_config") or {})
    if reasoning is not None:
        if is_off(reasoning):
            body["thinking"] = {"type": "disabled"}
        elif native and reasoning.adaptive:
            body["thinking"] = {"type": "adaptive"}
        elif (
            reasoning.enabled or reasoning.effort is not None or reasoning.budget_tokens is not None
        ):
            _thinking_config(request, reasoning, body, losses)
        if native and reasoning.effort is not None:
            output["effort"] = reasoning.effort
        if reasoning.summary is not None:
            losses.dropped("reasoning.summary", "Anthropic has no reasoning summary control")
    fmt = request.response_format
    if fmt is not None and fmt.type == "json_schema":
        output["format"] = {"type": "json_schema", "schema": fmt.schema or {}}
    elif fmt is not None and fmt.type == "json_object":
        losses.dropped("response_format", "Anthropic has no schema-less JSON mode")
    if output:
        body["output_config"] = output


def encode_request(request: ir.Request, losses: LossReport) -> bytes:
    """IR → Messages request body."""
    native = request.source_format == FORMAT
    body: dict[str, Any] = {"model": request.model}
    if request.max_tokens is None:
        losses.coerced("max_tokens", f"absent → {DEFAULT_MAX_TOKENS} (Anthropic requires it)")
    body["max_tokens"] = request.max_tokens or DEFAULT_MAX_TOKENS
    system = _system(request, native)
    if system is not None:
        body["system"] = system
    body["messages"] = [
        m for message in request.messages if (m := _message(message, native, losses))
    ]
    _tools(request, body, losses)
    for key in ("temperature", "top_p", "top_k"):
        if (value := getattr(request, key)) is not None:
            body[key] = value
    if request.stop:
        body["stop_sequences"] = request.stop
    _reasoning(request, body, native, losses)
    for key in ("seed", "presence_penalty", "frequency_penalty"):
        if getattr(request, key) is not None:
            losses.dropped(key, "Anthropic has no equivalent")
    metadata = dict(request.metadata) if native else {}
    if request.metadata and not native:
        losses.dropped("metadata", "Anthropic metadata holds user_id only")
    if request.user is not None:
        metadata["user_id"] = request.user
    if metadata:
        body["metadata"] = metadata
    if request.stream:
        body["stream"] = True
    wire.merge_extras(request, FORMAT, body, losses)
    return jsonx.dumps(body)


def encode_usage(usage: ir.Usage) -> dict[str, int]:
    """IR usage → Claude usage (input without cache reads and writes)."""
    return {
        "input_tokens": max(
            usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens, 0
        ),
        "output_tokens": usage.output_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
    }


def client_thinking(block: ir.ThinkingBlock) -> dict[str, Any]:
    """A thinking block as a Claude client sees it; foreign proofs ride packed in ``signature``."""
    if block.origin == FORMAT and block.redacted:
        return {"type": "redacted_thinking", "data": block.signature}
    if block.origin == FORMAT or block.signature is None:
        return {"type": "thinking", "thinking": block.text, "signature": block.signature or ""}
    return {
        "type": "thinking",
        "thinking": block.text,
        "signature": carry.pack([block], with_text=False),
    }


def client_tool_id(block: ir.ToolCallBlock) -> str:
    """A tool_use id as a Claude client sees it; a Gemini signature rides attached."""
    return carry.attach(block.id, (), block.provider_details.get("thought_signature"))


def encode_response(response: ir.Response) -> bytes:
    """IR → Messages response body."""
    content: list[dict[str, Any]] = []
    for block in response.blocks:
        if isinstance(block, ir.ThinkingBlock):
            content.append(client_thinking(block))
        elif isinstance(block, ir.ToolCallBlock):
            content.append(
                {
                    "type": "tool_use",
                    "id": client_tool_id(block),
                    "name": block.name,
                    "input": wire.arguments_object(block.arguments),
                }
            )
        elif isinstance(block, ir.TextBlock):
            content.append(
                _with({"type": "text", "text": block.text}, block.provider_details, "citations")
            )
        elif isinstance(block, ir.RawBlock) and block.origin == FORMAT:
            content.append(block.data)
    stop_sequence = response.provider_details.get("stop_sequence")
    reason = (
        "stop_sequence" if stop_sequence else STOP_REASONS.get(response.finish_reason or "stop")
    )
    body = {
        "id": response.id,
        "type": "message",
        "role": "assistant",
        "model": response.model,
        "content": content,
        "stop_reason": reason,
        "stop_sequence": stop_sequence,
        "usage": encode_usage(response.usage),
    }
    return jsonx.dumps(body)
