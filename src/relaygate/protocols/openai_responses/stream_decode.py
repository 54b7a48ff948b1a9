"""Upstream Responses streams (semantic SSE events) → IR events."""

from __future__ import annotations

from typing import Any

from relaygate.kit import jsonx
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
from relaygate.protocols.sse_decoder import SSEOrJSONDecoder


class EventDecoder(SSEOrJSONDecoder):
    """Upstream Responses SSE (or one JSON response) → IR events."""

    __slots__ = ("_args", "_has_calls", "_items", "_next", "_texts")

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[int, int] = {}
        self._texts: dict[tuple[int, int], int] = {}
        self._args: set[int] = set()
        self._next = 0
        self._has_calls = False

    def _whole_body(self, body: bytes) -> list[Event]:
        return response_events(decode_response(body))

    def _cut_short(self, out: list[Event]) -> None:
        self._done = True
        out.extend(BlockStop(i) for i in [*self._items.values(), *self._texts.values()])
        out.append(StreamError("upstream stream ended before response.completed"))

    def _start(self, block: ir.Block, out: list[Event]) -> int:
        index = self._next
        self._next += 1
        out.append(BlockStart(index, block))
        return index

    def _on_data(self, data: bytes, out: list[Event]) -> None:
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
