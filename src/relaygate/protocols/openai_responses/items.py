"""Responses output items and response objects, shared by bodies and stream events."""

from __future__ import annotations

from typing import Any

from relaygate.protocols import carry, ir, wire
from relaygate.protocols.formats import WireFormat

FORMAT = WireFormat.OPENAI_RESPONSES


def reasoning_item(block: ir.ThinkingBlock, encrypted: str | None) -> dict[str, Any]:
    """A reasoning item; summary parts are restored when the decoder kept them."""
    item: dict[str, Any] = {"type": "reasoning"}
    if "item_id" in block.provider_details:
        item["id"] = block.provider_details["item_id"]
    parts = block.provider_details.get("summary_parts")
    texts = (
        parts if parts and "\n\n".join(parts) == block.text else [block.text] if block.text else []
    )
    item["summary"] = [{"type": "summary_text", "text": text} for text in texts]
    if encrypted is not None:
        item["encrypted_content"] = encrypted
    return item


def function_call_item(block: ir.ToolCallBlock, call_id: str) -> dict[str, Any]:
    """A function_call item."""
    item: dict[str, Any] = {"type": "function_call"}
    if "item_id" in block.provider_details:
        item["id"] = block.provider_details["item_id"]
    item.update(call_id=call_id, name=block.name, arguments=block.arguments or "{}")
    if "status" in block.provider_details:
        item["status"] = block.provider_details["status"]
    return item


def encode_usage(usage: ir.Usage) -> dict[str, Any]:
    """IR usage → Responses usage."""
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {
            "cached_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
        },
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.total_tokens,
    }


def client_encrypted(block: ir.ThinkingBlock) -> str | None:
    """The encrypted_content a Responses client sees; other vendors' proofs ride packed."""
    if block.origin == FORMAT:
        return block.signature
    if block.origin is not None and (block.signature is not None or block.redacted):
        return carry.pack([block], with_text=False)
    return None


def client_call_id(block: ir.ToolCallBlock) -> str:
    """The call_id a Responses client sees; a Gemini signature rides attached."""
    return carry.attach(block.id, (), block.provider_details.get("thought_signature"))


def response_id(upstream_id: str) -> str:
    """A Responses-looking id for an upstream answer id."""
    return upstream_id if upstream_id.startswith("resp_") else f"resp_{upstream_id}"


def response_object(
    response_id_: str,
    model: str,
    status: str,
    output: list[Any],
    usage: ir.Usage | None,
    reason: ir.FinishReason | None,
    created: int,
) -> dict[str, Any]:
    """The ``response`` object of a body or of created/completed events."""
    incomplete = None
    if status == "incomplete":
        incomplete = {
            "reason": "content_filter" if reason == "content_filter" else "max_output_tokens"
        }
    return {
        "id": response_id_, "object": "response", "created_at": created, "status": status,
        "error": None, "incomplete_details": incomplete, "model": model, "output": output,
        "usage": encode_usage(usage) if usage is not None else None,
        "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
    }  # fmt: skip


def status_for(reason: ir.FinishReason | None) -> str:
    """Response status for an IR finish reason."""
    return "incomplete" if reason in ("length", "content_filter") else "completed"


def output_items(blocks: list[ir.Block]) -> list[dict[str, Any]]:
    """IR answer blocks → output items as a Responses client sees them."""
    items: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, ir.ThinkingBlock):
            item = reasoning_item(block, client_encrypted(block))
            item.setdefault("id", wire.new_id("rs_"))
            items.append(item)
        elif isinstance(block, ir.TextBlock):
            part = {"type": "output_text", "text": block.text, "annotations": []}
            items.append(
                {
                    "id": block.provider_details.get("item_id") or wire.new_id("msg_"),
                    "type": "message",
                    "status": "completed",
                    "role": "assistant",
                    "content": [part],
                }
            )
        elif isinstance(block, ir.ToolCallBlock):
            item = function_call_item(block, client_call_id(block))
            item.setdefault("id", wire.new_id("fc_"))
            item["status"] = "completed"
            items.append(item)
    return items
