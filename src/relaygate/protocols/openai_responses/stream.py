"""OpenAI Responses streams: semantic SSE events ↔ IR events."""

from __future__ import annotations

import time
from typing import Any

from relaygate.kit import jsonx
from relaygate.kit.sse import SSEParser, frame
from relaygate.protocols import ir, wire
from relaygate.protocols.collect import response_events
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
from relaygate.protocols.openai_responses.decode import (
    FORMAT,
    decode_response,
    decode_usage,
    finish_reason,
)
from relaygate.protocols.openai_responses.items import (
    client_call_id,
    client_encrypted,
    reasoning_item,
    response_id,
    response_object,
    status_for,
)


class EventDecoder:
    """Upstream Responses SSE (or one JSON response) → IR events."""

    __slots__ = (
        "_args",
        "_body",
        "_done",
        "_has_calls",
        "_items",
        "_mode",
        "_next",
        "_parser",
        "_texts",
    )

    def __init__(self) -> None:
        self._parser = SSEParser()
        self._mode: str | None = None
        self._body = bytearray()
        self._items: dict[int, int] = {}
        self._texts: dict[tuple[int, int], int] = {}
        self._args: set[int] = set()
        self._next = 0
        self._has_calls = False
        self._done = False

    def feed(self, chunk: bytes) -> list[Event]:
        """Consume upstream bytes."""
        if self._mode is None:
            stripped = chunk.lstrip()
            if not stripped:
                return []
            self._mode = "json" if stripped[:1] == b"{" else "sse"
        if self._mode == "json":
            self._body += chunk
            return []
        out: list[Event] = []
        for event in self._parser.feed(chunk):
            self._on_event(event.data, out)
        return out

    def finish(self) -> list[Event]:
        """Flush at end of body."""
        if self._done:
            return []
        if self._mode == "json":
            self._done = True
            return response_events(decode_response(bytes(self._body)))
        out: list[Event] = []
        for event in self._parser.close():
            self._on_event(event.data, out)
        if not self._done:
            self._done = True
            out.extend(BlockStop(i) for i in [*self._items.values(), *self._texts.values()])
            out.append(StreamError("upstream stream ended before response.completed"))
        return out

    def _start(self, block: ir.Block, out: list[Event]) -> int:
        index = self._next
        self._next += 1
        out.append(BlockStart(index, block))
        return index

    def _on_event(self, data: bytes, out: list[Event]) -> None:
        if self._done:
            return
        try:
            event = wire.as_dict(jsonx.loads(data))
        except jsonx.JSONDecodeError:
            return
        kind = wire.as_str(event.get("type"))
        position = wire.opt_int(event.get("output_index")) or 0
        if kind in ("response.output_text.delta", "response.refusal.delta"):
            index = self._texts.get((position, wire.opt_int(event.get("content_index")) or 0))
            if index is not None:
                out.append(BlockDelta(index, wire.as_str(event.get("delta")), "text"))
        elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            if (index := self._items.get(position)) is not None:
                out.append(BlockDelta(index, wire.as_str(event.get("delta")), "thinking"))
        elif kind == "response.function_call_arguments.delta":
            if (index := self._items.get(position)) is not None:
                self._args.add(index)
                out.append(BlockDelta(index, wire.as_str(event.get("delta")), "arguments"))
        elif kind == "response.reasoning_summary_part.added":
            index = self._items.get(position)
            if index is not None and (wire.opt_int(event.get("summary_index")) or 0) > 0:
                out.append(BlockDelta(index, "\n\n", "thinking"))
        elif kind == "response.content_part.added":
            key = (position, wire.opt_int(event.get("content_index")) or 0)
            self._texts[key] = self._start(ir.TextBlock(""), out)
        elif kind == "response.content_part.done":
            index = self._texts.pop((position, wire.opt_int(event.get("content_index")) or 0), None)
            if index is not None:
                out.append(BlockStop(index))
        elif kind == "response.output_item.added":
            self._item_added(position, wire.as_dict(event.get("item")), out)
        elif kind == "response.output_item.done":
            self._item_done(position, wire.as_dict(event.get("item")), out)
        elif kind == "response.created":
            response = wire.as_dict(event.get("response"))
            out.append(
                MessageStart(wire.as_str(response.get("id")), wire.as_str(response.get("model")))
            )
        elif kind in ("response.completed", "response.incomplete"):
            response = wire.as_dict(event.get("response"))
            if isinstance(response.get("usage"), dict):
                out.append(UsageUpdate(decode_usage(response["usage"])))
            self._done = True
            out.append(Finish(finish_reason(response, self._has_calls)))
        elif kind in ("response.failed", "error"):
            error = wire.as_dict(wire.as_dict(event.get("response")).get("error")) or event
            self._done = True
            code = error.get("code")
            out.append(
                StreamError(
                    wire.as_str(error.get("message"), "upstream error"),
                    code=str(code) if code else None,
                )
            )

    def _item_added(self, position: int, item: dict[str, Any], out: list[Event]) -> None:
        kind = item.get("type")
        if kind == "reasoning":
            stub = ir.ThinkingBlock(origin=FORMAT, provider_details={"item_id": item.get("id")})
            self._items[position] = self._start(stub, out)
        elif kind == "function_call":
            call = ir.ToolCallBlock(wire.as_str(item.get("call_id")), wire.as_str(item.get("name")))
            call.provider_details["item_id"] = item.get("id")
            index = self._items[position] = self._start(call, out)
            self._has_calls = True
            if item.get("arguments"):
                self._args.add(index)
                out.append(BlockDelta(index, wire.as_str(item.get("arguments")), "arguments"))

    def _item_done(self, position: int, item: dict[str, Any], out: list[Event]) -> None:
        index = self._items.pop(position, None)
        if index is None:
            for key in [k for k in self._texts if k[0] == position]:
                out.append(BlockStop(self._texts.pop(key)))
            return
        if item.get("type") == "reasoning" and isinstance(item.get("encrypted_content"), str):
            out.append(BlockDelta(index, item["encrypted_content"], "signature"))
        if (
            item.get("type") == "function_call"
            and index not in self._args
            and item.get("arguments")
        ):
            out.append(BlockDelta(index, wire.as_str(item.get("arguments")), "arguments"))
        out.append(BlockStop(index))


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
