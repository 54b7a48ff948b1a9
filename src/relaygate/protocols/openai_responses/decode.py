"""OpenAI Responses wire → IR."""

from __future__ import annotations

from typing import Any

from relaygate.protocols import carry, ir, wire
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport

FORMAT = WireFormat.OPENAI_RESPONSES

_KNOWN = {
    "model", "input", "instructions", "tools", "tool_choice", "reasoning", "text",
    "max_output_tokens", "temperature", "top_p", "parallel_tool_calls", "stream", "metadata",
    "user", "store", "include",
}  # fmt: skip
_ASSISTANT_ITEMS = {"reasoning", "function_call"}


def _parts(content: object) -> list[ir.Block]:
    if isinstance(content, str):
        return [ir.TextBlock(content)]
    blocks: list[ir.Block] = []
    for raw in wire.as_list(content):
        part = wire.as_dict(raw)
        kind = part.get("type")
        if kind in ("input_text", "output_text", "refusal"):
            text = ir.TextBlock(wire.as_str(part.get("text", part.get("refusal"))))
            if part.get("annotations"):
                text.provider_details["annotations"] = part["annotations"]
            blocks.append(text)
        elif kind == "input_image" and "image_url" in part:
            url = wire.as_str(part.get("image_url"))
            inline = wire.split_data_url(url)
            image = (
                ir.ImageBlock(data=inline[1], media_type=inline[0])
                if inline
                else ir.ImageBlock(url)
            )
            if "detail" in part:
                image.provider_details["detail"] = part["detail"]
            blocks.append(image)
        elif kind == "input_file" and ("file_data" in part or "file_url" in part):
            inline = wire.split_data_url(wire.as_str(part.get("file_data")))
            file = ir.FileBlock(url=part.get("file_url"), filename=part.get("filename"))
            if inline:
                file.media_type, file.data = inline
            blocks.append(file)
        else:
            blocks.append(ir.RawBlock(FORMAT, part))
    return blocks


def reasoning_item(item: dict[str, Any]) -> list[ir.ThinkingBlock]:
    """A reasoning item; packed ``encrypted_content`` unfolds into the foreign blocks it carries."""
    summaries = [
        wire.as_str(wire.as_dict(s).get("text")) for s in wire.as_list(item.get("summary"))
    ]
    text = "\n\n".join(summaries)
    encrypted = item.get("encrypted_content")
    if isinstance(encrypted, str) and (unpacked := carry.unpack(encrypted)) is not None:
        for block in unpacked[0]:
            block.text = block.text or text
        return unpacked[0]
    block = ir.ThinkingBlock(text)
    if isinstance(encrypted, str):
        block.signature, block.origin = encrypted, FORMAT
    if "id" in item:
        block.provider_details["item_id"] = item["id"]
    if len(summaries) > 1:
        block.provider_details["summary_parts"] = summaries
    return [block]


def function_call(item: dict[str, Any]) -> ir.ToolCallBlock:
    """A function_call item; a Gemini signature may ride in its ``call_id``."""
    call_id, _, signature = carry.detach(wire.as_str(item.get("call_id")))
    block = ir.ToolCallBlock(
        call_id, wire.as_str(item.get("name")), wire.as_str(item.get("arguments"))
    )
    if signature is not None:
        block.provider_details["thought_signature"] = signature
    for key, name in (("id", "item_id"), ("status", "status")):
        if key in item:
            block.provider_details[name] = item[key]
    return block


def _output(item: dict[str, Any]) -> ir.ToolResultBlock:
    output = item.get("output")
    content = [b for b in _parts(output) if isinstance(b, ir.TextBlock | ir.ImageBlock)]
    return ir.ToolResultBlock(carry.original_id(wire.as_str(item.get("call_id"))), content)


def _append(request: ir.Request, role: ir.Role, blocks: list[ir.Block], *, merge: bool) -> None:
    last = request.messages[-1] if request.messages else None
    if merge and last is not None and last.role == role and not last.provider_details:
        last.blocks.extend(blocks)
    else:
        request.messages.append(ir.Message(role, blocks))


def decode_input(request: ir.Request, items: list[Any]) -> None:
    """Fill ``system`` and ``messages`` from input items (one assistant turn per run of items)."""
    for raw in items:
        item = wire.as_dict(raw)
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            blocks = _parts(item.get("content"))
            if role in ("system", "developer"):
                texts = [b for b in blocks if isinstance(b, ir.TextBlock)]
                for text in texts:
                    text.provider_details["role"] = role
                if not request.messages:
                    request.system.extend(texts)
                else:
                    request.messages.append(ir.Message("system", list(texts)))
                continue
            details: dict[str, Any] = {k: item[k] for k in ("id", "status") if k in item}
            if isinstance(item.get("content"), str):
                details["string_content"] = True
            if role == "assistant":
                _append(request, "assistant", blocks, merge=True)
                if details:  # keep the item's id/status on its text blocks
                    for block in blocks:
                        if isinstance(block, ir.TextBlock):
                            block.provider_details.update(
                                {f"item_{k}": v for k, v in details.items()}
                            )
            else:
                request.messages.append(ir.Message("user", blocks, details))
        elif kind == "reasoning":
            _append(request, "assistant", list(reasoning_item(item)), merge=True)
        elif kind == "function_call":
            _append(request, "assistant", [function_call(item)], merge=True)
        elif kind == "function_call_output":
            last = request.messages[-1] if request.messages else None
            if last and last.role == "user" and all(b.kind == "tool_result" for b in last.blocks):
                last.blocks.append(_output(item))
            else:
                request.messages.append(ir.Message("user", [_output(item)]))
        else:
            role_: ir.Role = "user" if str(kind).endswith("_output") else "assistant"
            _append(request, role_, [ir.RawBlock(FORMAT, item)], merge=role_ == "assistant")


def _tools(request: ir.Request, data: dict[str, Any], losses: LossReport) -> None:
    for raw in wire.as_list(data.get("tools")):
        tool = wire.as_dict(raw)
        if tool.get("type") == "function":
            request.tools.append(
                ir.Tool(
                    wire.as_str(tool.get("name")),
                    tool.get("description"),
                    tool.get("parameters"),
                    tool.get("strict"),
                )
            )
        else:
            name = wire.as_str(tool.get("name")) or wire.as_str(tool.get("type"), "tool")
            request.tools.append(ir.Tool(name=name, raw=tool, raw_origin=FORMAT))
    choice = data.get("tool_choice")
    if choice in ("auto", "none", "required"):
        request.tool_choice = ir.ToolChoice(choice)
    elif isinstance(choice, dict) and choice.get("type") == "function":
        request.tool_choice = ir.ToolChoice("tool", wire.as_str(choice.get("name")))
    elif choice is not None:
        losses.coerced("tool_choice", f"{wire.as_dict(choice).get('type')!r} → auto")
        request.tool_choice = ir.ToolChoice("auto")


def _text(request: ir.Request, text: dict[str, Any]) -> None:
    fmt = wire.as_dict(text.get("format"))
    kind = fmt.get("type")
    if kind == "json_schema":
        request.response_format = ir.ResponseFormat(
            "json_schema",
            fmt.get("schema"),
            fmt.get("name"),
            fmt.get("strict"),
            fmt.get("description"),
        )
    elif kind in ("json_object", "text"):
        request.response_format = ir.ResponseFormat(kind)
    rest = {k: v for k, v in text.items() if k != "format"}
    if rest:
        wire.set_hint(request, FORMAT, "text_extra", rest)


def decode_request(body: bytes, losses: LossReport) -> ir.Request:
    """Responses request body → IR."""
    data = wire.load_object(body)
    request = ir.Request(model=wire.as_str(data.get("model")), source_format=FORMAT)
    if isinstance(data.get("instructions"), str):
        request.system.append(ir.TextBlock(data["instructions"]))
    items = data.get("input")
    if isinstance(items, str):
        request.messages.append(ir.Message("user", [ir.TextBlock(items)], {"string_content": True}))
        wire.set_hint(request, FORMAT, "input_string", True)
    else:
        decode_input(request, wire.as_list(items))
    _tools(request, data, losses)
    reasoning = wire.as_dict(data.get("reasoning"))
    if reasoning:
        # Responses models always reason: a reasoning object without an effort (Codex sends
        # just {"summary": "auto"}) means the default effort, not "off".
        request.reasoning = ir.Reasoning(
            enabled=reasoning.get("effort") != "none",
            effort=reasoning.get("effort"),
            summary=reasoning.get("summary"),
        )
    _text(request, wire.as_dict(data.get("text")))
    request.max_tokens = wire.opt_int(data.get("max_output_tokens"))
    request.temperature = wire.opt_float(data.get("temperature"))
    request.top_p = wire.opt_float(data.get("top_p"))
    if isinstance(data.get("parallel_tool_calls"), bool):
        request.parallel_tool_calls = data["parallel_tool_calls"]
    request.stream = data.get("stream") is True
    request.include_usage = True
    request.metadata = wire.as_dict(data.get("metadata"))
    if isinstance(data.get("user"), str):
        request.user = data["user"]
    for key in ("store", "include"):
        if key in data:
            wire.set_hint(request, FORMAT, key, data[key])
    wire.keep_extras(request, FORMAT, data, _KNOWN)
    return request


def decode_usage(usage: dict[str, Any]) -> ir.Usage:
    """Responses usage → IR usage."""
    details = wire.as_dict(usage.get("input_tokens_details"))
    output = wire.as_dict(usage.get("output_tokens_details"))
    return ir.Usage(
        input_tokens=wire.opt_int(usage.get("input_tokens")) or 0,
        output_tokens=wire.opt_int(usage.get("output_tokens")) or 0,
        cache_read_tokens=wire.opt_int(details.get("cached_tokens")) or 0,
        cache_write_tokens=wire.opt_int(details.get("cache_write_tokens")) or 0,
        reasoning_tokens=wire.opt_int(output.get("reasoning_tokens")) or 0,
    )


def finish_reason(response: dict[str, Any], has_calls: bool) -> ir.FinishReason:
    """IR finish reason from a response object's status."""
    status = response.get("status")
    if status == "incomplete":
        reason = wire.as_dict(response.get("incomplete_details")).get("reason")
        return "content_filter" if reason == "content_filter" else "length"
    if status == "failed":
        return "error"
    return "tool_calls" if has_calls else "stop"


def output_blocks(items: list[Any]) -> list[ir.Block]:
    """Response output items → IR blocks."""
    blocks: list[ir.Block] = []
    for raw in items:
        item = wire.as_dict(raw)
        kind = item.get("type")
        if kind == "message":
            texts = [b for b in _parts(item.get("content")) if isinstance(b, ir.TextBlock)]
            if texts and "id" in item:
                texts[0].provider_details["item_id"] = item["id"]
            blocks.extend(texts)
        elif kind == "reasoning":
            blocks.extend(reasoning_item(item))
        elif kind == "function_call":
            blocks.append(function_call(item))
    return blocks


def decode_response(body: bytes) -> ir.Response:
    """Responses response body → IR."""
    data = wire.load_object(body, "upstream response")
    blocks = output_blocks(wire.as_list(data.get("output")))
    response = ir.Response(
        id=wire.as_str(data.get("id")),
        model=wire.as_str(data.get("model")),
        blocks=blocks,
        finish_reason=finish_reason(data, any(b.kind == "tool_call" for b in blocks)),
        usage=decode_usage(wire.as_dict(data.get("usage"))),
    )
    if isinstance(data.get("created_at"), int):
        response.provider_details["created"] = data["created_at"]
    return response
