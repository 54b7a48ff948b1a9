"""OpenAI Chat Completions wire → IR."""

from __future__ import annotations

from typing import Any

from relaygate.protocols import carry, ir, wire
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport

FORMAT = WireFormat.OPENAI_CHAT

_KNOWN = {
    "model", "messages", "tools", "tool_choice", "max_tokens", "max_completion_tokens",
    "temperature", "top_p", "stop", "stream", "stream_options", "reasoning_effort",
    "response_format", "parallel_tool_calls", "user", "metadata", "seed", "presence_penalty",
    "frequency_penalty",
}  # fmt: skip

FINISH_REASONS: dict[str, ir.FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


def _content_blocks(content: object) -> list[ir.Block]:
    if isinstance(content, str):
        return [ir.TextBlock(content)] if content else []
    blocks: list[ir.Block] = []
    for part in wire.as_list(content):
        part = wire.as_dict(part)
        kind = part.get("type")
        if kind == "text":
            blocks.append(ir.TextBlock(wire.as_str(part.get("text"))))
        elif kind == "image_url":
            image = wire.as_dict(part.get("image_url"))
            blocks.append(_image(wire.as_str(image.get("url")), image.get("detail")))
        elif kind == "file":
            file = wire.as_dict(part.get("file"))
            blocks.append(_file(file))
        elif kind == "refusal":
            blocks.append(ir.TextBlock(wire.as_str(part.get("refusal"))))
        else:
            blocks.append(ir.RawBlock(FORMAT, part))
    return blocks


def _image(url: str, detail: object) -> ir.ImageBlock:
    inline = wire.split_data_url(url)
    block = (
        ir.ImageBlock(data=inline[1], media_type=inline[0]) if inline else ir.ImageBlock(url=url)
    )
    if isinstance(detail, str):
        block.provider_details["detail"] = detail
    return block


def _file(file: dict[str, Any]) -> ir.FileBlock:
    inline = wire.split_data_url(wire.as_str(file.get("file_data")))
    block = ir.FileBlock(filename=file.get("filename"))
    if inline:
        block.media_type, block.data = inline
    if "file_id" in file:
        block.provider_details["file_id"] = file["file_id"]
    return block


def _assistant(message: dict[str, Any]) -> ir.Message:
    blocks: list[ir.Block] = []
    reasoning = message.get("reasoning_content", message.get("reasoning"))
    calls: list[ir.Block] = []
    carried: list[ir.ThinkingBlock] = []
    for raw in wire.as_list(message.get("tool_calls")):
        raw = wire.as_dict(raw)
        function = wire.as_dict(raw.get("function"))
        call_id, thinking, signature = carry.detach(wire.as_str(raw.get("id")))
        carried.extend(thinking)
        call = ir.ToolCallBlock(
            call_id, wire.as_str(function.get("name")), wire.as_str(function.get("arguments"))
        )
        if signature is not None:
            call.provider_details["thought_signature"] = signature
        calls.append(call)
    if carried:
        # The carried blocks are byte-exact copies; reasoning_content is only their display text.
        blocks.extend(carried)
    elif isinstance(reasoning, str) and reasoning:
        blocks.append(ir.ThinkingBlock(reasoning))
    blocks.extend(_content_blocks(message.get("content")))
    blocks.extend(calls)
    result = ir.Message("assistant", blocks)
    if "name" in message:
        result.provider_details["name"] = message["name"]
    return result


def _tool_result(message: dict[str, Any]) -> ir.ToolResultBlock:
    content = [
        block
        for block in _content_blocks(message.get("content"))
        if isinstance(block, ir.TextBlock | ir.ImageBlock)
    ]
    return ir.ToolResultBlock(carry.original_id(wire.as_str(message.get("tool_call_id"))), content)


def decode_messages(request: ir.Request, messages: list[Any]) -> None:
    """Fill ``system`` and ``messages`` from chat messages."""
    for raw in messages:
        message = wire.as_dict(raw)
        role = message.get("role")
        if role in ("system", "developer"):
            texts = [
                b for b in _content_blocks(message.get("content")) if isinstance(b, ir.TextBlock)
            ]
            if role == "developer":
                for text in texts:
                    text.provider_details["role"] = "developer"
            if not request.messages:
                request.system.extend(texts)
            else:
                request.messages.append(ir.Message("system", list(texts)))
        elif role == "assistant":
            request.messages.append(_assistant(message))
        elif role == "tool":
            result = _tool_result(message)
            last = request.messages[-1] if request.messages else None
            if last and last.role == "user" and all(b.kind == "tool_result" for b in last.blocks):
                last.blocks.append(result)
            else:
                request.messages.append(ir.Message("user", [result]))
        else:
            user = ir.Message("user", _content_blocks(message.get("content")))
            if isinstance(message.get("content"), str):
                user.provider_details["string_content"] = True
            if "name" in message:
                user.provider_details["name"] = message["name"]
            request.messages.append(user)


def _tools(request: ir.Request, tools: list[Any]) -> None:
    for raw in tools:
        tool = wire.as_dict(raw)
        if tool.get("type") == "function":
            function = wire.as_dict(tool.get("function"))
            request.tools.append(
                ir.Tool(
                    name=wire.as_str(function.get("name")),
                    description=function.get("description"),
                    parameters=function.get("parameters"),
                    strict=function.get("strict"),
                )
            )
        else:
            name = wire.as_str(tool.get("type"), "tool")
            request.tools.append(ir.Tool(name=name, raw=tool, raw_origin=FORMAT))


def decode_tool_choice(value: object, losses: LossReport) -> ir.ToolChoice | None:
    """Chat ``tool_choice`` (also used by Responses for the string forms)."""
    if value in ("auto", "none", "required"):
        return ir.ToolChoice(value)
    choice = wire.as_dict(value)
    name = wire.as_dict(choice.get("function")).get("name", choice.get("name"))
    if isinstance(name, str):
        return ir.ToolChoice("tool", name)
    if value is not None:
        losses.coerced("tool_choice", f"{choice.get('type')!r} → auto")
        return ir.ToolChoice("auto")
    return None


def _response_format(value: object) -> ir.ResponseFormat | None:
    data = wire.as_dict(value)
    kind = data.get("type")
    if kind == "json_schema":
        schema = wire.as_dict(data.get("json_schema"))
        return ir.ResponseFormat(
            "json_schema",
            schema=schema.get("schema"),
            name=schema.get("name"),
            strict=schema.get("strict"),
            description=schema.get("description"),
        )
    if kind in ("json_object", "text"):
        return ir.ResponseFormat(kind)
    return None


def decode_request(body: bytes, losses: LossReport) -> ir.Request:
    """Chat completion request body → IR."""
    data = wire.load_object(body)
    request = ir.Request(model=wire.as_str(data.get("model")), source_format=FORMAT)
    decode_messages(request, wire.as_list(data.get("messages")))
    _tools(request, wire.as_list(data.get("tools")))
    request.tool_choice = decode_tool_choice(data.get("tool_choice"), losses)
    if "max_completion_tokens" in data:
        request.max_tokens = wire.opt_int(data["max_completion_tokens"])
        wire.set_hint(request, FORMAT, "max_tokens_key", "max_completion_tokens")
    else:
        request.max_tokens = wire.opt_int(data.get("max_tokens"))
    request.temperature = wire.opt_float(data.get("temperature"))
    request.top_p = wire.opt_float(data.get("top_p"))
    stop = data.get("stop")
    request.stop = (
        [stop] if isinstance(stop, str) else [s for s in wire.as_list(stop) if isinstance(s, str)]
    )
    request.stream = data.get("stream") is True
    request.include_usage = wire.as_dict(data.get("stream_options")).get("include_usage") is True
    if isinstance(data.get("reasoning_effort"), str):
        request.reasoning = ir.Reasoning(effort=data["reasoning_effort"])
    request.response_format = _response_format(data.get("response_format"))
    if isinstance(data.get("parallel_tool_calls"), bool):
        request.parallel_tool_calls = data["parallel_tool_calls"]
    if isinstance(data.get("user"), str):
        request.user = data["user"]
    request.metadata = wire.as_dict(data.get("metadata"))
    request.seed = wire.opt_int(data.get("seed"))
    request.presence_penalty = wire.opt_float(data.get("presence_penalty"))
    request.frequency_penalty = wire.opt_float(data.get("frequency_penalty"))
    wire.keep_extras(request, FORMAT, data, _KNOWN)
    return request


def decode_usage(usage: dict[str, Any]) -> ir.Usage:
    """Chat ``usage`` → IR usage (also DeepSeek's cache-hit fields)."""
    prompt = wire.as_dict(usage.get("prompt_tokens_details"))
    completion = wire.as_dict(usage.get("completion_tokens_details"))
    cached = wire.opt_int(prompt.get("cached_tokens")) or wire.opt_int(
        usage.get("prompt_cache_hit_tokens")
    )
    written = wire.opt_int(prompt.get("cache_write_tokens")) or wire.opt_int(
        prompt.get("cached_creation_tokens")
    )
    return ir.Usage(
        input_tokens=wire.opt_int(usage.get("prompt_tokens")) or 0,
        output_tokens=wire.opt_int(usage.get("completion_tokens")) or 0,
        cache_read_tokens=cached or 0,
        cache_write_tokens=written or 0,
        reasoning_tokens=wire.opt_int(completion.get("reasoning_tokens")) or 0,
    )


def decode_response(body: bytes) -> ir.Response:
    """Chat completion response body → IR (first choice)."""
    data = wire.load_object(body, "upstream response")
    choice = wire.as_dict(wire.as_list(data.get("choices"))[0]) if data.get("choices") else {}
    message = _assistant(wire.as_dict(choice.get("message")))
    refusal = wire.as_dict(choice.get("message")).get("refusal")
    if isinstance(refusal, str) and refusal:
        message.blocks.append(ir.TextBlock(refusal))
    has_calls = any(b.kind == "tool_call" for b in message.blocks)
    reason = FINISH_REASONS.get(wire.as_str(choice.get("finish_reason")))
    if has_calls and reason in (None, "stop"):
        reason = "tool_calls"
    response = ir.Response(
        id=wire.as_str(data.get("id")),
        model=wire.as_str(data.get("model")),
        blocks=message.blocks,
        finish_reason=reason,
        usage=decode_usage(wire.as_dict(data.get("usage"))),
    )
    if isinstance(data.get("created"), int):
        response.provider_details["created"] = data["created"]
    return response
