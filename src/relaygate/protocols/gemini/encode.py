"""IR → Gemini generateContent wire."""

from __future__ import annotations

import mimetypes
from typing import Any

from relaygate.kit import jsonx
from relaygate.protocols import carry, ir, wire
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.gemini.decode import SYNTHETIC_ID_PREFIX
from relaygate.protocols.losses import LossReport
from relaygate.protocols.reasoning import budget_for, is_off

FORMAT = WireFormat.GEMINI

SKIP_SIGNATURE = "skip_thought_signature_validator"
"""Google's documented placeholder for function calls that come from another model's history."""

FINISH_REASONS: dict[str, str] = {
    "stop": "STOP",
    "tool_calls": "STOP",
    "length": "MAX_TOKENS",
    "content_filter": "SAFETY",
    "refusal": "SAFETY",
    "pause": "STOP",
    "error": "OTHER",
}

_LEVELS = {
    "minimal": "minimal",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "xhigh": "high",
    "max": "high",
}


def is_gemini_3(model: str) -> bool:
    """Gemini 3 models take ``thinkingLevel`` and insist on thought signatures."""
    return "gemini-3" in model


def function_call(block: ir.ToolCallBlock) -> dict[str, Any]:
    """The ``functionCall`` object of a tool call (invented ids stay ours)."""
    call: dict[str, Any] = {}
    if block.id and not block.id.startswith(SYNTHETIC_ID_PREFIX):
        call["id"] = block.id
    call["name"] = block.name
    call["args"] = wire.arguments_object(block.arguments)
    return call


def _media(block: ir.ImageBlock | ir.FileBlock, losses: LossReport) -> dict[str, Any]:
    if block.data is not None:
        return {"inlineData": {"mimeType": block.media_type, "data": block.data}}
    if block.url is not None and not block.url.startswith(("gs://", "https://generativelanguage")):
        losses.coerced("image_url", "URL → fileData.fileUri (Gemini fetches only URIs it supports)")
    media_type = block.media_type
    if media_type is None and isinstance(block, ir.ImageBlock):
        # Gemini needs a MIME type for fileData; OpenAI and Claude image URLs carry none.
        media_type = mimetypes.guess_type(block.url or "")[0] or "image/jpeg"
    file: dict[str, Any] = {"fileUri": block.url}
    if media_type:
        file["mimeType"] = media_type
    return {"fileData": file}


def _result(block: ir.ToolResultBlock, names: dict[str, str], losses: LossReport) -> dict[str, Any]:
    response = block.provider_details.get("gemini_response")
    if response is None:
        if len(block.content) != sum(isinstance(b, ir.TextBlock) for b in block.content):
            losses.dropped("tool_result.image", "Gemini function responses carry JSON only")
        text = "".join(b.text for b in block.content if isinstance(b, ir.TextBlock))
        response = {"error": text} if block.is_error else {"output": text}
    result: dict[str, Any] = {}
    if block.tool_call_id and not block.tool_call_id.startswith(SYNTHETIC_ID_PREFIX):
        result["id"] = block.tool_call_id
    result["name"] = block.name or names.get(block.tool_call_id, "")
    result["response"] = response
    return {"functionResponse": result}


def _parts(
    message: ir.Message, request: ir.Request, names: dict[str, str], losses: LossReport
) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for block in message.blocks:
        details = getattr(block, "provider_details", {})
        if "cache_control" in details:
            losses.dropped("cache_control", "Gemini caches through cachedContent, not per block")
        if isinstance(block, ir.TextBlock):
            part: dict[str, Any] = {"text": block.text}
            if "thought_signature" in details:
                part["thoughtSignature"] = details["thought_signature"]
            parts.append(part)
        elif isinstance(block, ir.ImageBlock | ir.FileBlock):
            parts.append(_media(block, losses))
        elif isinstance(block, ir.ToolCallBlock):
            part = {"functionCall": function_call(block)}
            signature = details.get("thought_signature")
            if signature is None and is_gemini_3(request.model):
                losses.coerced("thought_signature", f"missing → {SKIP_SIGNATURE}")
                signature = SKIP_SIGNATURE
            if signature is not None:
                part["thoughtSignature"] = signature
            parts.append(part)
        elif isinstance(block, ir.ToolResultBlock):
            parts.append(_result(block, names, losses))
        elif isinstance(block, ir.ThinkingBlock):
            if block.origin == FORMAT:
                part = {"text": block.text, "thought": True}
                if block.signature is not None:
                    part["thoughtSignature"] = block.signature
                parts.append(part)
            else:
                reason = (
                    "unsigned reasoning"
                    if block.origin is None
                    else f"{block.origin} reasoning proof"
                )
                losses.dropped("thinking", f"{reason} cannot be replayed to Gemini")
        elif block.origin == FORMAT:
            parts.append(block.data)
        else:
            losses.dropped(f"{block.data.get('type')} block", f"{block.origin} only")
    return parts


def _contents(request: ir.Request, losses: LossReport) -> list[dict[str, Any]]:
    names = {
        b.id: b.name for m in request.messages for b in m.blocks if isinstance(b, ir.ToolCallBlock)
    }
    contents: list[dict[str, Any]] = []
    for message in request.messages:
        if message.role == "system":
            losses.coerced("system message", "mid-conversation system turn → user turn")
        parts = _parts(message, request, names, losses)
        if parts:
            contents.append(
                {"role": "model" if message.role == "assistant" else "user", "parts": parts}
            )
    return contents


def _tools(request: ir.Request, body: dict[str, Any], losses: LossReport) -> None:
    declarations: list[dict[str, Any]] = []
    builtins: list[dict[str, Any]] = []
    for tool in request.tools:
        if tool.raw is not None:
            if tool.raw_origin == FORMAT:
                builtins.append(tool.raw)
            else:
                losses.dropped(f"tools.{tool.name}", f"{tool.raw_origin} built-in tool")
            continue
        if "cache_control" in tool.provider_details:
            losses.dropped("cache_control", "Gemini caches through cachedContent, not per block")
        if tool.strict:
            losses.dropped("tools.strict", "Gemini has no strict tool schemas")
        declaration: dict[str, Any] = {"name": tool.name}
        if tool.description is not None:
            declaration["description"] = tool.description
        if "gemini_parameters" in tool.provider_details:
            declaration["parameters"] = tool.provider_details["gemini_parameters"]
        elif tool.parameters is not None:
            declaration["parametersJsonSchema"] = tool.parameters
        declarations.append(declaration)
    tools = ([{"functionDeclarations": declarations}] if declarations else []) + builtins
    if tools:
        body["tools"] = tools
    choice = request.tool_choice
    if choice is not None:
        mode = {"auto": "AUTO", "none": "NONE", "required": "ANY", "tool": "ANY"}[choice.mode]
        config: dict[str, Any] = {"mode": mode}
        if choice.mode == "tool":
            config["allowedFunctionNames"] = [choice.name]
        body["toolConfig"] = {"functionCallingConfig": config}
    if request.parallel_tool_calls is False:
        losses.dropped("parallel_tool_calls", "Gemini cannot forbid parallel function calls")


def _thinking(request: ir.Request, native: bool, losses: LossReport) -> dict[str, Any] | None:
    reasoning = request.reasoning
    if reasoning is None:
        return None
    config: dict[str, Any] = {}
    if reasoning.include_thoughts is not None:
        config["includeThoughts"] = reasoning.include_thoughts
    elif not native and not is_off(reasoning):
        config["includeThoughts"] = True
    level_hint = wire.hint(request, FORMAT, "thinking_level") if native else None
    if is_off(reasoning):
        if is_gemini_3(request.model):
            losses.coerced("thinking", "disabled → thinkingLevel=low (Gemini 3 always thinks)")
            config["thinkingLevel"] = "low"
        else:
            config["thinkingBudget"] = 0
    elif reasoning.budget_tokens is not None:
        config["thinkingBudget"] = reasoning.budget_tokens
    elif reasoning.effort is not None and is_gemini_3(request.model):
        level = _LEVELS.get(reasoning.effort, "high")
        config["thinkingLevel"] = (
            level_hint if level_hint and level_hint.lower() == level else level
        )
    elif (budget := budget_for(reasoning)) is not None:
        losses.coerced("reasoning_effort", f"{reasoning.effort} → thinkingBudget={budget}")
        config["thinkingBudget"] = budget
    elif reasoning.enabled and not is_gemini_3(request.model):
        config["thinkingBudget"] = -1  # dynamic: the model picks, like Claude's adaptive
    if reasoning.summary is not None:
        losses.dropped("reasoning.summary", "Gemini has no reasoning summary control")
    return config or None


def _generation(request: ir.Request, native: bool, losses: LossReport) -> dict[str, Any]:
    config: dict[str, Any] = {}
    pairs = (
        ("temperature", "temperature"), ("top_p", "topP"), ("top_k", "topK"),
        ("max_tokens", "maxOutputTokens"), ("presence_penalty", "presencePenalty"),
        ("frequency_penalty", "frequencyPenalty"), ("seed", "seed"),
    )  # fmt: skip
    for attribute, key in pairs:
        if (value := getattr(request, attribute)) is not None:
            config[key] = value
    if request.stop:
        config["stopSequences"] = request.stop
    fmt = request.response_format
    if fmt is not None and fmt.type != "text":
        config["responseMimeType"] = "application/json"
        if "gemini_schema" in fmt.provider_details:
            config["responseSchema"] = fmt.provider_details["gemini_schema"]
        elif fmt.type == "json_schema":
            config["responseJsonSchema"] = fmt.schema or {}
        if fmt.strict:
            losses.dropped("response_format.strict", "Gemini has no strict mode")
    elif native and wire.hint(request, FORMAT, "responseMimeType"):
        config["responseMimeType"] = wire.hint(request, FORMAT, "responseMimeType")
    thinking = _thinking(request, native, losses)
    if thinking is not None:
        config["thinkingConfig"] = thinking
    if native:
        config.update(wire.hint(request, FORMAT, "generation_extra") or {})
    return config


def encode_request(request: ir.Request, losses: LossReport) -> bytes:
    """IR → generateContent body (the model and stream mode go in the URL, not here)."""
    native = request.source_format == FORMAT
    body: dict[str, Any] = {"contents": _contents(request, losses)}
    if request.system:
        for block in request.system:
            if "cache_control" in block.provider_details:
                losses.dropped(
                    "cache_control", "Gemini caches through cachedContent, not per block"
                )
        system: dict[str, Any] = {}
        if native and wire.hint(request, FORMAT, "system_role"):
            system["role"] = wire.hint(request, FORMAT, "system_role")
        system["parts"] = [{"text": block.text} for block in request.system]
        body["systemInstruction"] = system
    _tools(request, body, losses)
    generation = _generation(request, native, losses)
    if generation:
        body["generationConfig"] = generation
    if request.user is not None:
        losses.dropped("user", "Gemini has no end-user field")
    if request.metadata:
        losses.dropped("metadata", "Gemini has no request metadata")
    wire.merge_extras(request, FORMAT, body, losses)
    return jsonx.dumps(body)


def encode_usage(usage: ir.Usage) -> dict[str, int]:
    """IR usage → usageMetadata (candidates exclude thoughts)."""
    out = {
        "promptTokenCount": usage.input_tokens,
        "candidatesTokenCount": usage.output_tokens - usage.reasoning_tokens,
        "totalTokenCount": usage.total_tokens,
    }
    if usage.cache_read_tokens:
        out["cachedContentTokenCount"] = usage.cache_read_tokens
    if usage.reasoning_tokens:
        out["thoughtsTokenCount"] = usage.reasoning_tokens
    return out


def call_part(block: ir.ToolCallBlock, pending: list[ir.ThinkingBlock]) -> dict[str, Any]:
    """A functionCall part for a Gemini client; foreign reasoning rides in thoughtSignature."""
    part: dict[str, Any] = {"functionCall": function_call(block)}
    native = block.provider_details.get("thought_signature")
    if pending:
        part["thoughtSignature"] = carry.pack(pending, with_text=True, thought_signature=native)
    elif native is not None:
        part["thoughtSignature"] = native
    return part


def carries_proof(block: ir.ThinkingBlock) -> bool:
    """Whether a thinking block holds another vendor's proof a Gemini client must bring back."""
    return block.origin not in (None, FORMAT) and block.signature is not None


def encode_response(response: ir.Response) -> bytes:
    """IR → GenerateContentResponse body."""
    parts: list[dict[str, Any]] = []
    pending: list[ir.ThinkingBlock] = []
    for block in response.blocks:
        if isinstance(block, ir.TextBlock):
            part: dict[str, Any] = {"text": block.text}
            if "thought_signature" in block.provider_details:
                part["thoughtSignature"] = block.provider_details["thought_signature"]
            parts.append(part)
        elif isinstance(block, ir.ThinkingBlock):
            part = {"text": block.text, "thought": True}
            if block.origin == FORMAT and block.signature is not None:
                part["thoughtSignature"] = block.signature
            elif carries_proof(block):
                pending.append(block)
            parts.append(part)
        elif isinstance(block, ir.ToolCallBlock):
            parts.append(call_part(block, pending))
            pending = []
    candidate = {
        "content": {"role": "model", "parts": parts},
        "finishReason": FINISH_REASONS.get(response.finish_reason or "stop", "STOP"),
        "index": 0,
    }
    body = {
        "candidates": [candidate],
        "usageMetadata": encode_usage(response.usage),
        "modelVersion": response.model,
        "responseId": response.id,
    }
    return jsonx.dumps(body)
