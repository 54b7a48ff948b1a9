"""Folding stream events into one response, and unfolding a response into events.

Together they give one code path for streamed and non-streamed answers: an upstream JSON body
becomes events via ``response_events``; a non-streaming client gets ``ResponseBuilder.build()``.
"""

from __future__ import annotations

from dataclasses import replace

from relaygate.protocols import ir
from relaygate.protocols.events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    Event,
    Finish,
    MessageStart,
    StreamError,
    UsageUpdate,
)


def _stub(block: ir.Block) -> ir.Block:
    if isinstance(block, ir.TextBlock):
        details = {k: v for k, v in block.provider_details.items() if k != "thought_signature"}
        return replace(block, text="", provider_details=details)
    if isinstance(block, ir.ThinkingBlock) and not block.redacted:
        return replace(
            block, text="", signature=None, provider_details=dict(block.provider_details)
        )
    if isinstance(block, ir.ToolCallBlock):
        return replace(block, arguments="", provider_details=dict(block.provider_details))
    return block


def response_events(response: ir.Response) -> list[Event]:
    """The events a stream of ``response`` would have produced."""
    events: list[Event] = [MessageStart(response.id, response.model)]
    for index, block in enumerate(response.blocks):
        events.append(BlockStart(index, _stub(block)))
        if isinstance(block, ir.TextBlock):
            if block.text:
                events.append(BlockDelta(index, block.text, "text"))
            if "thought_signature" in block.provider_details:
                signature = block.provider_details["thought_signature"]
                events.append(BlockDelta(index, signature, "signature"))
        elif isinstance(block, ir.ThinkingBlock) and not block.redacted:
            if block.text:
                events.append(BlockDelta(index, block.text, "thinking"))
            if block.signature is not None:
                events.append(BlockDelta(index, block.signature, "signature"))
        elif isinstance(block, ir.ToolCallBlock) and block.arguments:
            events.append(BlockDelta(index, block.arguments, "arguments"))
        events.append(BlockStop(index))
    events.append(UsageUpdate(response.usage))
    events.append(Finish(response.finish_reason))
    return events


class ResponseBuilder:
    """Accumulates events into an ``ir.Response`` for non-streaming clients."""

    __slots__ = ("_parts", "error", "response")

    def __init__(self) -> None:
        self.response = ir.Response(id="", model="")
        self._parts: dict[int, list[str]] = {}
        self.error: StreamError | None = None
        """The upstream's mid-stream error, if one arrived."""

    def add(self, event: Event) -> None:
        """Fold one event in."""
        response = self.response
        if isinstance(event, BlockDelta):
            self._parts.setdefault(event.index * 2 + (event.delta_type == "signature"), []).append(
                event.delta
            )
        elif isinstance(event, BlockStart):
            while len(response.blocks) <= event.index:
                response.blocks.append(ir.TextBlock(""))
            response.blocks[event.index] = _stub(event.block)
        elif isinstance(event, UsageUpdate):
            response.usage = event.usage
        elif isinstance(event, Finish):
            response.finish_reason = event.finish_reason
        elif isinstance(event, MessageStart):
            response.id, response.model = event.id, event.model
        elif isinstance(event, StreamError):
            self.error = event
        elif isinstance(event, BlockStop):
            pass

    def build(self) -> ir.Response:
        """The folded response (call once, after the last event)."""
        for index, block in enumerate(self.response.blocks):
            text = "".join(self._parts.get(index * 2, ()))
            signature = self._parts.get(index * 2 + 1)
            if isinstance(block, ir.TextBlock):
                block.text = text
                if signature is not None:
                    block.provider_details["thought_signature"] = "".join(signature)
            elif isinstance(block, ir.ThinkingBlock) and not block.redacted:
                block.text = text or block.text
                if signature is not None:
                    block.signature = "".join(signature)
            elif isinstance(block, ir.ToolCallBlock):
                block.arguments = text
        return self.response
