"""OpenAI Chat Completions streams: chunks ↔ IR events."""

from __future__ import annotations

import time
from typing import Any

from relaygate.kit import jsonx
from relaygate.kit.sse import DONE, frame
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
from relaygate.protocols.openai_chat.decode import FINISH_REASONS, decode_response, decode_usage
from relaygate.protocols.openai_chat.encode import (
    FINISH_REASONS as WIRE_FINISH_REASONS,
)
from relaygate.protocols.openai_chat.encode import carried_id, encode_usage, needs_carrying
from relaygate.protocols.openai_chat.errors import error_object, parse_error_object
from relaygate.protocols.sse_decoder import SSEOrJSONDecoder


class EventDecoder(SSEOrJSONDecoder):
    """Upstream chat chunks (or one JSON completion) → IR events."""

    __slots__ = ("_current", "_finish", "_has_calls", "_next", "_started", "_tools")

    def __init__(self) -> None:
        super().__init__()
        self._started = False
        self._current: tuple[str, int] | None = None
        self._tools: dict[int, int] = {}
        self._next = 0
        self._finish: ir.FinishReason | None = None
        self._has_calls = False

    def _whole_body(self, body: bytes) -> list[Event]:
        return response_events(decode_response(body))

    def _cut_short(self, out: list[Event]) -> None:
        self._end(out, truncated=self._finish is None)

    def _open(self, kind: str, block: ir.Block, out: list[Event]) -> int:
        if self._current is not None and self._current[0] != "tool":
            out.append(BlockStop(self._current[1]))
        index = self._next
        self._next += 1
        self._current = (kind, index)
        out.append(BlockStart(index, block))
        return index

    def _close_all(self, out: list[Event]) -> None:
        if self._current is not None and self._current[0] != "tool":
            out.append(BlockStop(self._current[1]))
        for index in self._tools.values():
            out.append(BlockStop(index))
        self._current = None
        self._tools = {}

    def _end(self, out: list[Event], *, truncated: bool = False) -> None:
        self._close_all(out)
        self._done = True
        if truncated:
            out.append(StreamError("upstream stream ended before completion"))
            return
        reason = self._finish
        if self._has_calls and reason in (None, "stop"):
            reason = "tool_calls"
        out.append(Finish(reason))

    def _on_data(self, data: bytes, out: list[Event]) -> None:
        if self._done:
            return
        if data.strip() == DONE:
            self._end(out, truncated=False)
            return
        try:
            chunk = wire.as_dict(jsonx.loads(data))
        except jsonx.JSONDecodeError:
            return
        if "error" in chunk:
            message, code = parse_error_object(chunk)
            self._close_all(out)
            self._done = True
            out.append(StreamError(message, code=code))
            return
        if not self._started:
            self._started = True
            out.append(MessageStart(wire.as_str(chunk.get("id")), wire.as_str(chunk.get("model"))))
        for choice in wire.as_list(chunk.get("choices")):
            choice = wire.as_dict(choice)
            if choice.get("index", 0) == 0:
                self._on_delta(wire.as_dict(choice.get("delta")), out)
                reason = choice.get("finish_reason")
                if isinstance(reason, str):
                    self._finish = FINISH_REASONS.get(reason, "stop")
                    self._close_all(out)
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            out.append(UsageUpdate(decode_usage(usage)))

    def _on_delta(self, delta: dict[str, Any], out: list[Event]) -> None:
        reasoning = delta.get("reasoning_content", delta.get("reasoning"))
        if isinstance(reasoning, str) and reasoning:
            self._text("thinking", reasoning, out)
        content = delta.get("content")
        if isinstance(content, str) and content:
            self._text("text", content, out)
        for call in wire.as_list(delta.get("tool_calls")):
            call = wire.as_dict(call)
            position = wire.opt_int(call.get("index")) or 0
            function = wire.as_dict(call.get("function"))
            index = self._tools.get(position)
            if index is None:
                stub = ir.ToolCallBlock(
                    wire.as_str(call.get("id")), wire.as_str(function.get("name"))
                )
                index = self._open("tool", stub, out)
                self._tools[position] = index
                self._has_calls = True
            arguments = function.get("arguments")
            if isinstance(arguments, str) and arguments:
                out.append(BlockDelta(index, arguments, "arguments"))

    def _text(self, kind: str, text: str, out: list[Event]) -> None:
        if self._current is None or self._current[0] != kind:
            block: ir.Block = ir.TextBlock("") if kind == "text" else ir.ThinkingBlock()
            self._open(kind, block, out)
        assert self._current is not None
        out.append(BlockDelta(self._current[1], text, "thinking" if kind == "thinking" else "text"))


class EventEncoder:
    """IR events → chat completion chunks; tool-call ids carry reasoning proofs (see carry)."""

    __slots__ = (
        "_closed", "_created", "_errored", "_finished", "_id", "_include_usage", "_model",
        "_pending", "_thinking", "_tools", "_usage",
    )  # fmt: skip

    def __init__(self, *, include_usage: bool = True) -> None:
        self._include_usage = include_usage
        self._id = ""
        self._model = ""
        self._created = int(time.time())
        self._tools: dict[int, int] = {}
        self._thinking: dict[int, tuple[ir.ThinkingBlock, list[str], list[str]]] = {}
        self._pending: list[ir.ThinkingBlock] = []
        self._usage: ir.Usage | None = None
        self._finished = False
        self._errored = False
        self._closed = False

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return frame(jsonx.dumps({
            "id": self._id, "object": "chat.completion.chunk", "created": self._created,
            "model": self._model, "choices": [choice],
        }))  # fmt: skip

    def encode(self, event: Event) -> bytes:
        """Frames for one event."""
        if isinstance(event, BlockDelta):
            if event.delta_type == "text":
                return self._chunk({"content": event.delta})
            if event.delta_type == "thinking":
                if event.index in self._thinking:
                    self._thinking[event.index][1].append(event.delta)
                return self._chunk({"reasoning_content": event.delta})
            if event.delta_type == "arguments" and event.index in self._tools:
                call = {"index": self._tools[event.index], "function": {"arguments": event.delta}}
                return self._chunk({"tool_calls": [call]})
            if event.delta_type == "signature" and event.index in self._thinking:
                self._thinking[event.index][2].append(event.delta)
            return b""
        if isinstance(event, BlockStart):
            return self._start(event)
        if isinstance(event, BlockStop):
            held = self._thinking.pop(event.index, None)
            if held is not None:
                stub, text, signature = held
                block = ir.ThinkingBlock(
                    "".join(text), "".join(signature) if signature else stub.signature,
                    stub.redacted, stub.origin, dict(stub.provider_details),
                )  # fmt: skip
                if needs_carrying(block):
                    self._pending.append(block)
            return b""
        if isinstance(event, MessageStart):
            self._id, self._model = event.id, event.model
            return self._chunk({"role": "assistant", "content": ""})
        if isinstance(event, UsageUpdate):
            self._usage = event.usage
            return b""
        if isinstance(event, Finish):
            self._finished = True
            return self._chunk({}, WIRE_FINISH_REASONS.get(event.finish_reason or "stop", "stop"))
        self._errored = True
        return frame(jsonx.dumps({"error": error_object(event.message, event.type, event.code)}))

    def _start(self, event: BlockStart) -> bytes:
        block = event.block
        if isinstance(block, ir.ThinkingBlock):
            self._thinking[event.index] = (block, [], [])
        elif isinstance(block, ir.ToolCallBlock):
            position = len(self._tools)
            self._tools[event.index] = position
            call = {
                "index": position, "id": carried_id(block, self._pending), "type": "function",
                "function": {"name": block.name, "arguments": ""},
            }  # fmt: skip
            self._pending = []
            return self._chunk({"tool_calls": [call]})
        return b""

    def finalize(self) -> bytes:
        """Usage chunk (``choices: []``) when asked for, then ``[DONE]``."""
        if self._closed or self._errored:
            return b""
        self._closed = True
        out = b"" if self._finished else self._chunk({}, "stop")
        if self._include_usage and self._usage is not None:
            out += frame(jsonx.dumps({
                "id": self._id, "object": "chat.completion.chunk", "created": self._created,
                "model": self._model, "choices": [], "usage": encode_usage(self._usage),
            }))  # fmt: skip
        return out + frame(DONE)
