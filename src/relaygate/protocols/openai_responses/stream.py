"""OpenAI Responses streams: IR events → semantic SSE events (decoding is in stream_decode)."""

from __future__ import annotations

import time
from typing import Any

from relaygate.kit import jsonx
from relaygate.kit.sse import frame
from relaygate.protocols import ir, wire
from relaygate.protocols.events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    Event,
    Finish,
    MessageStart,
    UsageUpdate,
)
from relaygate.protocols.openai_responses.items import (
    client_call_id,
    client_encrypted,
    reasoning_item,
    response_id,
    response_object,
    status_for,
)
from relaygate.protocols.openai_responses.stream_decode import EventDecoder


class _Open:
    """One output item being streamed to the client."""

    __slots__ = ("block", "item", "output_index", "signature", "summary_open", "text")

    def __init__(self, block: ir.Block, item: dict[str, Any], output_index: int) -> None:
        self.block = block
        self.item = item
        self.output_index = output_index
        self.text: list[str] = []
        self.signature: list[str] = []
        self.summary_open = False


class EventEncoder:
    """IR events → Responses SSE events, ending with ``response.completed``."""

    __slots__ = (
        "_closed",
        "_created",
        "_errored",
        "_finished",
        "_id",
        "_model",
        "_open",
        "_output",
        "_sequence",
        "_usage",
    )

    def __init__(self) -> None:
        self._id = ""
        self._model = ""
        self._created = int(time.time())
        self._sequence = 0
        self._open: dict[int, _Open] = {}
        self._output: list[dict[str, Any]] = []
        self._usage: ir.Usage | None = None
        self._finished = False
        self._errored = False
        self._closed = False

    def _emit(self, kind: str, **fields: Any) -> bytes:
        self._sequence += 1
        return frame(
            jsonx.dumps({"type": kind, "sequence_number": self._sequence - 1, **fields}), kind
        )

    def encode(self, event: Event) -> bytes:
        """Frames for one event."""
        if isinstance(event, BlockDelta):
            return self._delta(event)
        if isinstance(event, BlockStart):
            return self._start(event)
        if isinstance(event, BlockStop):
            return self._stop(event.index)
        if isinstance(event, MessageStart):
            self._id, self._model = response_id(event.id), event.model
            response = response_object(
                self._id, self._model, "in_progress", [], None, None, self._created
            )
            return self._emit("response.created", response=response) + self._emit(
                "response.in_progress", response=response
            )
        if isinstance(event, UsageUpdate):
            self._usage = event.usage
            return b""
        if isinstance(event, Finish):
            return self._finish(event.finish_reason)
        self._errored = True
        response = response_object(
            self._id, self._model, "failed", self._output, self._usage, None, self._created
        )
        response["error"] = {"code": event.code or event.type, "message": event.message}
        return self._emit("response.failed", response=response)

    def _start(self, event: BlockStart) -> bytes:
        block = event.block
        position = len(self._output) + len(self._open)
        if isinstance(block, ir.TextBlock):
            item = {
                "id": wire.new_id("msg_"),
                "type": "message",
                "status": "in_progress",
                "role": "assistant",
                "content": [],
            }
            part = {"type": "output_text", "text": "", "annotations": []}
            self._open[event.index] = _Open(block, item, position)
            return self._emit(
                "response.output_item.added", output_index=position, item=item
            ) + self._emit(
                "response.content_part.added",
                item_id=item["id"],
                output_index=position,
                content_index=0,
                part=part,
            )
        if isinstance(block, ir.ThinkingBlock):
            item = {
                "id": block.provider_details.get("item_id") or wire.new_id("rs_"),
                "type": "reasoning",
                "summary": [],
            }
        elif isinstance(block, ir.ToolCallBlock):
            item = {
                "id": wire.new_id("fc_"),
                "type": "function_call",
                "status": "in_progress",
                "call_id": client_call_id(block),
                "name": block.name,
                "arguments": "",
            }
        else:
            return b""
        self._open[event.index] = _Open(block, item, position)
        return self._emit("response.output_item.added", output_index=position, item=item)

    def _delta(self, event: BlockDelta) -> bytes:
        held = self._open.get(event.index)
        if held is None:
            return b""
        item_id, position = held.item["id"], held.output_index
        if event.delta_type == "signature":
            held.signature.append(event.delta)
            return b""
        held.text.append(event.delta)
        if event.delta_type == "text" and isinstance(held.block, ir.TextBlock):
            return self._emit(
                "response.output_text.delta",
                item_id=item_id,
                output_index=position,
                content_index=0,
                delta=event.delta,
                logprobs=[],
            )
        if event.delta_type == "thinking" and isinstance(held.block, ir.ThinkingBlock):
            out = b""
            if not held.summary_open:
                held.summary_open = True
                part = {"type": "summary_text", "text": ""}
                out = self._emit(
                    "response.reasoning_summary_part.added",
                    item_id=item_id,
                    output_index=position,
                    summary_index=0,
                    part=part,
                )
            return out + self._emit(
                "response.reasoning_summary_text.delta",
                item_id=item_id,
                output_index=position,
                summary_index=0,
                delta=event.delta,
            )
        if event.delta_type == "arguments" and isinstance(held.block, ir.ToolCallBlock):
            return self._emit(
                "response.function_call_arguments.delta",
                item_id=item_id,
                output_index=position,
                delta=event.delta,
            )
        return b""

    def _stop(self, index: int) -> bytes:
        held = self._open.pop(index, None)
        if held is None:
            return b""
        item, position, text, out = held.item, held.output_index, "".join(held.text), b""
        block = held.block
        if isinstance(block, ir.TextBlock):
            part = {"type": "output_text", "text": text, "annotations": []}
            out += self._emit(
                "response.output_text.done",
                item_id=item["id"],
                output_index=position,
                content_index=0,
                text=text,
                logprobs=[],
            )
            out += self._emit(
                "response.content_part.done",
                item_id=item["id"],
                output_index=position,
                content_index=0,
                part=part,
            )
            item.update(status="completed", content=[part])
        elif isinstance(block, ir.ThinkingBlock):
            if held.summary_open:
                part = {"type": "summary_text", "text": text}
                out += self._emit(
                    "response.reasoning_summary_text.done",
                    item_id=item["id"],
                    output_index=position,
                    summary_index=0,
                    text=text,
                )
                out += self._emit(
                    "response.reasoning_summary_part.done",
                    item_id=item["id"],
                    output_index=position,
                    summary_index=0,
                    part=part,
                )
            signature = "".join(held.signature) if held.signature else block.signature
            full = ir.ThinkingBlock(
                text, signature, block.redacted, block.origin, {"item_id": item["id"]}
            )
            item = reasoning_item(full, client_encrypted(full))
        elif isinstance(block, ir.ToolCallBlock):
            out += self._emit(
                "response.function_call_arguments.done",
                item_id=item["id"],
                output_index=position,
                arguments=text,
            )
            item.update(status="completed", arguments=text)
        self._output.append(item)
        return out + self._emit("response.output_item.done", output_index=position, item=item)

    def _finish(self, reason: ir.FinishReason | None) -> bytes:
        self._finished = True
        out = b"".join(self._stop(index) for index in list(self._open))
        if reason is None and any(item.get("type") == "function_call" for item in self._output):
            reason = "tool_calls"
        status = status_for(reason)
        response = response_object(
            self._id, self._model, status, self._output, self._usage, reason, self._created
        )
        return out + self._emit(
            "response.completed" if status == "completed" else "response.incomplete",
            response=response,
        )

    def finalize(self) -> bytes:
        """``response.completed`` when the stream ended without Finish."""
        if self._closed or self._errored or self._finished:
            self._closed = True
            return b""
        self._closed = True
        return self._finish(None)


__all__ = ["EventDecoder", "EventEncoder"]
