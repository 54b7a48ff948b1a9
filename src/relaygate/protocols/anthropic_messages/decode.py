"""Anthropic Messages wire → IR."""

from __future__ import annotations

from typing import Any

from relaygate.protocols import carry, ir, wire
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport

FORMAT = WireFormat.ANTHROPIC_MESSAGES

_KNOWN = {
    "model", "messages", "system", "tools", "tool_choice", "max_tokens", "temperature", "top_p",
    "top_k", "stop_sequences", "stream", "thinking", "metadata", "output_config",
}  # fmt: skip

STOP_REASONS: dict[str, ir.FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "pause_turn": "pause",
    "refusal": "refusal",
}


def _details(raw: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: raw[key] for key in keys if key in raw}


def _source(block: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """``(url, base64 data, media_type)`` of an image or document source."""
    source = wire.as_dict(block.get("source"))
    if source.get("type") == "url":
        return wire.as_str(source.get("url")), None, None
    if source.get("type") == "base64":
        return None, wire.as_str(source.get("data")), source.get("media_type")
    return None, None, None


def thinking_block(raw: dict[str, Any]) -> list[ir.ThinkingBlock]:
    """A wire thinking block; a packed signature unfolds into the foreign blocks it carries."""
    text = wire.as_str(raw.get("thinking"))
    signature = raw.get("signature")
    if isinstance(signature, str) and (unpacked := carry.unpack(signature)) is not None:
        blocks = unpacked[0]
        for block in blocks:
            block.text = block.text or text
        return blocks
    if isinstance(signature, str) and signature:
        return [ir.ThinkingBlock(text, signature, origin=FORMAT)]
    return [ir.ThinkingBlock(text)]


def decode_block(raw: dict[str, Any]) -> list[ir.Block]:
    """One wire content block → IR blocks (a packed thinking block may give several)."""
    kind = raw.get("type")
    if kind == "text":
        return [
            ir.TextBlock(wire.as_str(raw.get("text")), _details(raw, "cache_control", "citations"))
        ]
    if kind == "image":
        url, data, media_type = _source(raw)
        if url is None and data is None:
            return [ir.RawBlock(FORMAT, raw)]
        return [ir.ImageBlock(url, data, media_type, _details(raw, "cache_control"))]
    if kind == "document":
        url, data, media_type = _source(raw)
        if url is None and data is None:
            return [ir.RawBlock(FORMAT, raw)]
        details = _details(raw, "cache_control", "citations", "context")
        return [ir.FileBlock(data, media_type or "application/pdf", url, raw.get("title"), details)]
    if kind == "tool_use":
        call_id, _, signature = carry.detach(wire.as_str(raw.get("id")))
        call = ir.ToolCallBlock(
            call_id, wire.as_str(raw.get("name")), wire.arguments_text(raw.get("input"))
        )
        call.provider_details.update(_details(raw, "cache_control"))
        if signature is not None:
            call.provider_details["thought_signature"] = signature
        return [call]
    if kind == "tool_result":
        content = raw.get("content")
        parts: list[ir.TextBlock | ir.ImageBlock] = []
        if isinstance(content, str):
            parts.append(ir.TextBlock(content))
        for item in wire.as_list(content):
            for block in decode_block(wire.as_dict(item)):
                if isinstance(block, ir.TextBlock | ir.ImageBlock):
                    parts.append(block)
        tool_call_id = carry.original_id(wire.as_str(raw.get("tool_use_id")))
        result = ir.ToolResultBlock(tool_call_id, parts, raw.get("is_error") is True)
        result.provider_details.update(_details(raw, "cache_control"))
        return [result]
    if kind == "thinking":
        return list(thinking_block(raw))
    if kind == "redacted_thinking":
        return [ir.ThinkingBlock("", wire.as_str(raw.get("data")), redacted=True, origin=FORMAT)]
    return [ir.RawBlock(FORMAT, raw)]


def decode_content(content: object) -> tuple[list[ir.Block], bool]:
    """Message content → blocks, and whether it was a plain string."""
    if isinstance(content, str):
        return [ir.TextBlock(content)], True
    blocks: list[ir.Block] = []
    for raw in wire.as_list(content):
        blocks.extend(decode_block(wire.as_dict(raw)))
    return blocks, False


def _reasoning(request: ir.Request, data: dict[str, Any]) -> None:
    thinking = wire.as_dict(data.get("thinking"))
    kind = thinking.get("type")
    if kind == "enabled":
        budget = wire.opt_int(thinking.get("budget_tokens"))
        request.reasoning = ir.Reasoning(enabled=True, budget_tokens=budget, include_thoughts=True)
    elif kind == "adaptive":
        request.reasoning = ir.Reasoning(enabled=True, adaptive=True, include_thoughts=True)
    elif kind == "disabled":
        request.reasoning = ir.Reasoning(enabled=False)
    output = wire.as_dict(data.get("output_config"))
    if isinstance(output.get("effort"), str):
        request.reasoning = request.reasoning or ir.Reasoning()
        request.reasoning.effort = output["effort"]
    fmt = wire.as_dict(output.get("format"))
    if fmt.get("type") == "json_schema":
        request.response_format = ir.ResponseFormat("json_schema", schema=fmt.get("schema"))
    rest = {k: v for k, v in output.items() if k not in ("effort", "format")}
    if rest:
        wire.set_hint(request, FORMAT, "output_config", rest)


def _tools(request: ir.Request, data: dict[str, Any]) -> None:
    if data.get("tools") == []:
        wire.set_hint(request, FORMAT, "empty_tools", True)
    for raw in wire.as_list(data.get("tools")):
        tool = wire.as_dict(raw)
        if tool.get("type") in (None, "custom"):
            request.tools.append(
                ir.Tool(
                    name=wire.as_str(tool.get("name")),
                    description=tool.get("description"),
                    parameters=tool.get("input_schema"),
                    strict=tool.get("strict"),
                    provider_details=_details(tool, "cache_control", "type"),
                )
            )
        else:
            name = wire.as_str(tool.get("name")) or wire.as_str(tool.get("type"))
            request.tools.append(ir.Tool(name=name, raw=tool, raw_origin=FORMAT))
    choice = data.get("tool_choice")
    if isinstance(choice, dict):
        kind = choice.get("type")
        mode = {"auto": "auto", "any": "required", "none": "none", "tool": "tool"}.get(str(kind))
        if mode is not None:
            request.tool_choice = ir.ToolChoice(mode, choice.get("name"))  # type: ignore[arg-type]
        if choice.get("disable_parallel_tool_use") is True:
            request.parallel_tool_calls = False


def decode_request(body: bytes, losses: LossReport) -> ir.Request:
    """Messages request body → IR."""
    data = wire.load_object(body)
    request = ir.Request(model=wire.as_str(data.get("model")), source_format=FORMAT)
    system = data.get("system")
    if isinstance(system, str):
        request.system.append(ir.TextBlock(system))
        wire.set_hint(request, FORMAT, "system_string", True)
    else:
        for raw in wire.as_list(system):
            raw = wire.as_dict(raw)
            request.system.append(
                ir.TextBlock(wire.as_str(raw.get("text")), _details(raw, "cache_control"))
            )
    for raw in wire.as_list(data.get("messages")):
        raw = wire.as_dict(raw)
        blocks, plain = decode_content(raw.get("content"))
        role = raw.get("role")
        message = ir.Message(role if role in ("assistant", "system") else "user", blocks)
        if plain:
            message.provider_details["string_content"] = True
        request.messages.append(message)
    _tools(request, data)
    _reasoning(request, data)
    request.max_tokens = wire.opt_int(data.get("max_tokens"))
    request.temperature = wire.opt_float(data.get("temperature"))
    request.top_p = wire.opt_float(data.get("top_p"))
    request.top_k = wire.opt_int(data.get("top_k"))
    request.stop = [s for s in wire.as_list(data.get("stop_sequences")) if isinstance(s, str)]
    request.stream = data.get("stream") is True
    request.include_usage = True
    metadata = dict(wire.as_dict(data.get("metadata")))
    if isinstance(metadata.get("user_id"), str):
        request.user = metadata.pop("user_id")
    request.metadata = metadata
    wire.keep_extras(request, FORMAT, data, _KNOWN)
    return request


def decode_usage(usage: dict[str, Any]) -> ir.Usage:
    """Claude usage (input excludes cache) → IR usage (input includes cache)."""
    read = wire.opt_int(usage.get("cache_read_input_tokens")) or 0
    write = wire.opt_int(usage.get("cache_creation_input_tokens")) or 0
    return ir.Usage(
        input_tokens=(wire.opt_int(usage.get("input_tokens")) or 0) + read + write,
        output_tokens=wire.opt_int(usage.get("output_tokens")) or 0,
        cache_read_tokens=read,
        cache_write_tokens=write,
    )


def decode_response(body: bytes) -> ir.Response:
    """Messages response body → IR."""
    data = wire.load_object(body, "upstream response")
    blocks, _ = decode_content(data.get("content") or [])
    response = ir.Response(
        id=wire.as_str(data.get("id")),
        model=wire.as_str(data.get("model")),
        blocks=blocks,
        finish_reason=STOP_REASONS.get(wire.as_str(data.get("stop_reason"))),
        usage=decode_usage(wire.as_dict(data.get("usage"))),
    )
    if isinstance(data.get("stop_sequence"), str):
        response.provider_details["stop_sequence"] = data["stop_sequence"]
    return response
