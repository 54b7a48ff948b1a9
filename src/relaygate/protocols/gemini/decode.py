"""Gemini generateContent wire → IR."""

from __future__ import annotations

from typing import Any, Literal

from relaygate.kit import jsonx
from relaygate.protocols import carry, ir, wire
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.gemini.keys import camel_keys
from relaygate.protocols.losses import LossReport

FORMAT = WireFormat.GEMINI

SYNTHETIC_ID_PREFIX = "rgc_"
"""Gemini calls often have no id; ids we invent start with this and are never sent to Gemini."""

_KNOWN = {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "model"}
_GENERATION_KNOWN = {
    "temperature", "topP", "topK", "maxOutputTokens", "stopSequences", "presencePenalty",
    "frequencyPenalty", "seed", "responseMimeType", "responseSchema", "responseJsonSchema",
    "thinkingConfig",
}  # fmt: skip

_MODES: dict[str, Literal["auto", "none", "required"]] = {
    "ANY": "required",
    "NONE": "none",
    "AUTO": "auto",
}

FINISH_REASONS: dict[str, ir.FinishReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "MALFORMED_FUNCTION_CALL": "error",
}


def normalize_schema(schema: Any) -> Any:
    """Gemini's OpenAPI schema (``"type": "OBJECT"``) as plain JSON Schema (lower-case types)."""
    if isinstance(schema, dict):
        return {
            key: value.lower()
            if key == "type" and isinstance(value, str)
            else normalize_schema(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [normalize_schema(item) for item in schema]
    return schema


def _media(mime: str, url: str | None, data: str | None) -> ir.Block:
    if mime.startswith("image/"):
        return ir.ImageBlock(url=url, data=data, media_type=mime)
    return ir.FileBlock(data=data, media_type=mime, url=url)


def result_text(response: dict[str, Any]) -> tuple[str, bool]:
    """A functionResponse ``response`` object as result text, and whether it reports an error."""
    for key, is_error in (
        ("output", False),
        ("content", False),
        ("result", False),
        ("error", True),
    ):
        if len(response) == 1 and isinstance(response.get(key), str):
            return response[key], is_error
    return jsonx.dumps(response).decode(), "error" in response and len(response) == 1


def decode_part(part: dict[str, Any], call_id: str, out: list[ir.Block]) -> None:
    """One wire part → IR blocks appended to ``out`` (a packed signature may add thinking)."""
    signature = part.get("thoughtSignature")
    if "functionCall" in part:
        call = wire.as_dict(part["functionCall"])
        block = ir.ToolCallBlock(
            wire.as_str(call.get("id")) or call_id,
            wire.as_str(call.get("name")),
            wire.arguments_text(call.get("args", {})),
        )
        if isinstance(signature, str):
            unpacked = carry.unpack(signature)
            if unpacked is None:
                block.provider_details["thought_signature"] = signature
            else:
                # Carried thinking opens the turn, as Claude requires; Gemini CLI drops
                # thought parts, so the packed copy is the only one.
                lead = next(
                    (i for i, b in enumerate(out) if not isinstance(b, ir.ThinkingBlock)), len(out)
                )
                out[lead:lead] = unpacked[0]
                if unpacked[1] is not None:
                    block.provider_details["thought_signature"] = unpacked[1]
        out.append(block)
    elif "functionResponse" in part:
        result = wire.as_dict(part["functionResponse"])
        response = wire.as_dict(result.get("response"))
        text, is_error = result_text(response)
        name = wire.as_str(result.get("name"))
        block_id = carry.original_id(wire.as_str(result.get("id")))
        tool_result = ir.ToolResultBlock(block_id, [ir.TextBlock(text)], is_error, name)
        tool_result.provider_details["gemini_response"] = response
        out.append(tool_result)
    elif part.get("thought") is True:
        unpacked = carry.unpack(signature) if isinstance(signature, str) else None
        if unpacked is not None:
            out.extend(unpacked[0])
        else:
            origin = FORMAT if isinstance(signature, str) else None
            sig = signature if isinstance(signature, str) else None
            out.append(ir.ThinkingBlock(wire.as_str(part.get("text")), sig, origin=origin))
    elif "text" in part:
        text_block = ir.TextBlock(wire.as_str(part.get("text")))
        if isinstance(signature, str):
            text_block.provider_details["thought_signature"] = signature
        out.append(text_block)
    elif "inlineData" in part:
        inline = wire.as_dict(part["inlineData"])
        out.append(
            _media(wire.as_str(inline.get("mimeType")), None, wire.as_str(inline.get("data")))
        )
    elif "fileData" in part:
        file = wire.as_dict(part["fileData"])
        out.append(
            _media(wire.as_str(file.get("mimeType")), wire.as_str(file.get("fileUri")), None)
        )
    else:
        out.append(ir.RawBlock(FORMAT, part))


def _contents(request: ir.Request, contents: list[Any]) -> None:
    calls: dict[str, list[str]] = {}
    for turn, raw in enumerate(contents):
        content = wire.as_dict(raw)
        role: ir.Role = "assistant" if content.get("role") == "model" else "user"
        blocks: list[ir.Block] = []
        for position, part in enumerate(wire.as_list(content.get("parts"))):
            decode_part(wire.as_dict(part), f"{SYNTHETIC_ID_PREFIX}{turn}_{position}", blocks)
        for block in blocks:
            if isinstance(block, ir.ToolCallBlock):
                calls.setdefault(block.name, []).append(block.id)
            elif isinstance(block, ir.ToolResultBlock) and not block.tool_call_id:
                # Without ids, results answer the earlier calls of the same name in order.
                pending = calls.get(block.name or "")
                block.tool_call_id = (
                    pending.pop(0) if pending else f"{SYNTHETIC_ID_PREFIX}{block.name}"
                )
        request.messages.append(ir.Message(role, blocks))


def _tools(request: ir.Request, data: dict[str, Any], losses: LossReport) -> None:
    for raw in wire.as_list(data.get("tools")):
        entry = wire.as_dict(raw)
        declarations = entry.get("functionDeclarations")
        if not isinstance(declarations, list):
            name = next(iter(entry), "tool")
            request.tools.append(ir.Tool(name=name, raw=entry, raw_origin=FORMAT))
            continue
        for declaration in declarations:
            declaration = wire.as_dict(declaration)
            tool = ir.Tool(
                name=wire.as_str(declaration.get("name")),
                description=declaration.get("description"),
            )
            if "parametersJsonSchema" in declaration:
                tool.parameters = declaration["parametersJsonSchema"]
            elif "parameters" in declaration:
                tool.parameters = normalize_schema(declaration["parameters"])
                tool.provider_details["gemini_parameters"] = declaration["parameters"]
            request.tools.append(tool)
    config = wire.as_dict(wire.as_dict(data.get("toolConfig")).get("functionCallingConfig"))
    mode = config.get("mode")
    allowed = wire.as_list(config.get("allowedFunctionNames"))
    if mode == "ANY" and len(allowed) == 1:
        request.tool_choice = ir.ToolChoice("tool", str(allowed[0]))
    elif mode in ("ANY", "NONE", "AUTO"):
        request.tool_choice = ir.ToolChoice(_MODES[mode])
    elif mode is not None:
        losses.coerced("toolConfig.functionCallingConfig.mode", f"{mode} → AUTO")
        request.tool_choice = ir.ToolChoice("auto")


def _generation(request: ir.Request, config: dict[str, Any]) -> None:
    request.temperature = wire.opt_float(config.get("temperature"))
    request.top_p = wire.opt_float(config.get("topP"))
    request.top_k = wire.opt_int(config.get("topK"))
    request.max_tokens = wire.opt_int(config.get("maxOutputTokens"))
    request.stop = [s for s in wire.as_list(config.get("stopSequences")) if isinstance(s, str)]
    request.presence_penalty = wire.opt_float(config.get("presencePenalty"))
    request.frequency_penalty = wire.opt_float(config.get("frequencyPenalty"))
    request.seed = wire.opt_int(config.get("seed"))
    mime = config.get("responseMimeType")
    if mime == "application/json":
        if "responseJsonSchema" in config:
            request.response_format = ir.ResponseFormat(
                "json_schema", schema=config["responseJsonSchema"]
            )
        elif "responseSchema" in config:
            request.response_format = ir.ResponseFormat(
                "json_schema",
                schema=normalize_schema(config["responseSchema"]),
                provider_details={"gemini_schema": config["responseSchema"]},
            )
        else:
            request.response_format = ir.ResponseFormat("json_object")
    elif mime is not None:
        wire.set_hint(request, FORMAT, "responseMimeType", mime)
    thinking = wire.as_dict(config.get("thinkingConfig"))
    if thinking:
        reasoning = ir.Reasoning(include_thoughts=thinking.get("includeThoughts"))
        budget = wire.opt_int(thinking.get("thinkingBudget"))
        if budget is not None:
            reasoning.budget_tokens = budget
            reasoning.enabled = budget != 0
        level = thinking.get("thinkingLevel")
        if isinstance(level, str):
            reasoning.effort = level.lower()
            reasoning.enabled = True
            wire.set_hint(request, FORMAT, "thinking_level", level)
        request.reasoning = reasoning
    rest = {k: v for k, v in config.items() if k not in _GENERATION_KNOWN}
    if rest:
        wire.set_hint(request, FORMAT, "generation_extra", rest)


def decode_request(body: bytes, losses: LossReport) -> ir.Request:
    """generateContent request body → IR (the model comes from the URL; set it afterwards).

    snake_case field names (as the Python SDK sends in nested objects) are read too.
    """
    data = wire.load_object(body)
    if b"_" in body:
        data = camel_keys(data)
    request = ir.Request(model=wire.as_str(data.get("model")), source_format=FORMAT)
    system = wire.as_dict(data.get("systemInstruction"))
    for part in wire.as_list(system.get("parts")):
        request.system.append(ir.TextBlock(wire.as_str(wire.as_dict(part).get("text"))))
    if "role" in system:
        wire.set_hint(request, FORMAT, "system_role", system["role"])
    _contents(request, wire.as_list(data.get("contents")))
    _tools(request, data, losses)
    _generation(request, wire.as_dict(data.get("generationConfig")))
    request.include_usage = True
    wire.keep_extras(request, FORMAT, data, _KNOWN)
    return request


def decode_usage(usage: dict[str, Any]) -> ir.Usage:
    """usageMetadata → IR usage (Gemini counts thoughts apart from candidates)."""
    thoughts = wire.opt_int(usage.get("thoughtsTokenCount")) or 0
    prompt = (wire.opt_int(usage.get("promptTokenCount")) or 0) + (
        wire.opt_int(usage.get("toolUsePromptTokenCount")) or 0
    )
    return ir.Usage(
        input_tokens=prompt,
        output_tokens=(wire.opt_int(usage.get("candidatesTokenCount")) or 0) + thoughts,
        cache_read_tokens=wire.opt_int(usage.get("cachedContentTokenCount")) or 0,
        reasoning_tokens=thoughts,
    )


def finish_reason(candidate: dict[str, Any], has_calls: bool) -> ir.FinishReason | None:
    """IR finish reason of a candidate (Gemini says STOP even when it calls tools)."""
    raw = candidate.get("finishReason")
    if raw is None:
        return None
    reason = FINISH_REASONS.get(str(raw), "stop")
    return "tool_calls" if has_calls and reason == "stop" else reason


def decode_response(body: bytes) -> ir.Response:
    """GenerateContentResponse body → IR (first candidate)."""
    data = wire.load_object(body, "upstream response")
    candidates = wire.as_list(data.get("candidates"))
    candidate = wire.as_dict(candidates[0]) if candidates else {}
    blocks: list[ir.Block] = []
    for part in wire.as_list(wire.as_dict(candidate.get("content")).get("parts")):
        decode_part(wire.as_dict(part), wire.new_id(SYNTHETIC_ID_PREFIX), blocks)
    has_calls = any(b.kind == "tool_call" for b in blocks)
    reason = finish_reason(candidate, has_calls)
    if not candidates and wire.as_dict(data.get("promptFeedback")).get("blockReason"):
        reason = "content_filter"
    return ir.Response(
        id=wire.as_str(data.get("responseId")),
        model=wire.as_str(data.get("modelVersion")),
        blocks=blocks,
        finish_reason=reason,
        usage=decode_usage(wire.as_dict(data.get("usageMetadata"))),
    )
