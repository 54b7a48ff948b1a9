"""Anthropic Messages streams: SSE events ↔ IR events."""

from __future__ import annotations

from typing import Any

from relaygate.kit import jsonx
from relaygate.kit.sse import frame
from relaygate.protocols import carry, ir, wire
from relaygate.protocols.anthropic_messages.decode import (
    FORMAT,
    STOP_REASONS,
    decode_response,
    decode_usage,
)
from relaygate.protocols.anthropic_messages.encode import STOP_REASONS as WIRE_STOP_REASONS
from relaygate.protocols.anthropic_messages.encode import client_tool_id, encode_usage
from relaygate.protocols.anthropic_messages.errors import error_body, parse_error_object
from relaygate.protocols.collect import response_events
from relaygate.protocols.events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    DeltaType,
    Event,
    Finish,
    MessageStart,
    StreamError,
    UsageUpdate,
)
from relaygate.protocols.sse_decoder import SSEOrJSONDecoder

_DELTAS: dict[str, tuple[str, DeltaType]] = {
    "text_delta": ("text", "text"),
    "thinking_delta": ("thinking", "thinking"),
    "signature_delta": ("signature", "signature"),
    "input_json_delta": ("partial_json", "arguments"),
}


class EventDecoder(SSEOrJSONDecoder):
    """Upstream Messages SSE (or one JSON message) → IR events."""

    __slots__ = ("_blocks", "_next", "_reason", "_usage")

    def __init__(self) -> None:
        super().__init__()
        self._blocks: dict[int, int] = {}
        self._next = 0
        self._usage: dict[str, Any] = {}
        self._reason: ir.FinishReason | None = None

    def _whole_body(self, body: bytes) -> list[Event]:
        return response_events(decode_response(body))

    def _cut_short(self, out: list[Event]) -> None:
        self._done = True
        out.extend(BlockStop(index) for index in self._blocks.values())
        out.append(StreamError("upstream stream ended before message_stop"))

    def _on_data(self, data: bytes, out: list[Event]) -> None:
        if self._done:
            return
        try:
            event = wire.as_dict(jsonx.loads(data))
        except jsonx.JSONDecodeError:
            return
        kind = event.get("type")
        if kind == "content_block_delta":
            index = self._blocks.get(wire.opt_int(event.get("index")) or 0)
            delta = wire.as_dict(event.get("delta"))
            mapped = _DELTAS.get(wire.as_str(delta.get("type")))
            if index is not None and mapped is not None:
                text = wire.as_str(delta.get(mapped[0]))
                out.append(BlockDelta(index, text, mapped[1]))
        elif kind == "content_block_start":
            self._start(event, out)
        elif kind == "content_block_stop":
            index = self._blocks.pop(wire.opt_int(event.get("index")) or 0, None)
            if index is not None:
                out.append(BlockStop(index))
        elif kind == "message_start":
            message = wire.as_dict(event.get("message"))
            out.append(
                MessageStart(wire.as_str(message.get("id")), wire.as_str(message.get("model")))
            )
            self._merge_usage(wire.as_dict(message.get("usage")), out)
        elif kind == "message_delta":
            delta = wire.as_dict(event.get("delta"))
            self._reason = STOP_REASONS.get(wire.as_str(delta.get("stop_reason")), self._reason)
            self._merge_usage(wire.as_dict(event.get("usage")), out)
        elif kind == "message_stop":
            self._done = True
            out.append(Finish(self._reason))
        elif kind == "error":
            text, code = parse_error_object(event)
            self._done = True
            out.append(StreamError(text, code=code))

    def _merge_usage(self, usage: dict[str, Any], out: list[Event]) -> None:
        if usage:
            self._usage.update({k: v for k, v in usage.items() if v is not None})
            out.append(UsageUpdate(decode_usage(self._usage)))

    def _start(self, event: dict[str, Any], out: list[Event]) -> None:
        raw = wire.as_dict(event.get("content_block"))
        kind = raw.get("type")
        block: ir.Block
        if kind == "text":
            block = ir.TextBlock("")
        elif kind == "thinking":
            block = ir.ThinkingBlock(origin=FORMAT)
        elif kind == "redacted_thinking":
            block = ir.ThinkingBlock("", wire.as_str(raw.get("data")), redacted=True, origin=FORMAT)
        elif kind == "tool_use":
            block = ir.ToolCallBlock(wire.as_str(raw.get("id")), wire.as_str(raw.get("name")))
        else:
            return  # server tool blocks have no meaning for another format's client
        index = self._next
        self._next += 1
        self._blocks[wire.opt_int(event.get("index")) or 0] = index
        out.append(BlockStart(index, block))
        if kind == "text" and raw.get("text"):
            out.append(BlockDelta(index, wire.as_str(raw.get("text")), "text"))


class EventEncoder:
    """IR events → Messages SSE; foreign reasoning proofs ride packed in ``signature_delta``."""

    __slots__ = ("_closed", "_errored", "_finished", "_id", "_kinds", "_model", "_proofs", "_usage")

    def __init__(self) -> None:
        self._id = ""
        self._model = ""
        self._kinds: dict[int, str] = {}
        self._proofs: dict[int, tuple[ir.ThinkingBlock, list[str]]] = {}
        self._usage = ir.Usage()
        self._finished = False
        self._errored = False
        self._closed = False

    @staticmethod
    def _frame(name: str, payload: dict[str, Any]) -> bytes:
        return frame(jsonx.dumps(payload), name)

    def encode(self, event: Event) -> bytes:
        """Frames for one event."""
        if isinstance(event, BlockDelta):
            return self._delta(event)
        if isinstance(event, BlockStart):
            return self._start(event)
        if isinstance(event, BlockStop):
            kind = self._kinds.pop(event.index, None)
            if kind is None:
                return b""
            out = b""
            held = self._proofs.pop(event.index, None)
            if held is not None and (held[1] or held[0].signature is not None):
                stub, parts = held
                proof = ir.ThinkingBlock(
                    signature="".join(parts) if parts else stub.signature,
                    origin=stub.origin,
                    provider_details=stub.provider_details,
                )
                delta = {
                    "type": "signature_delta",
                    "signature": carry.pack([proof], with_text=False),
                }
                out += self._frame(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": event.index, "delta": delta},
                )
            return out + self._frame(
                "content_block_stop", {"type": "content_block_stop", "index": event.index}
            )
        if isinstance(event, MessageStart):
            self._id, self._model = event.id, event.model
            message: dict[str, Any] = {
                "id": event.id, "type": "message", "role": "assistant", "model": event.model,
                "content": [], "stop_reason": None, "stop_sequence": None,
                "usage": encode_usage(self._usage),
            }  # fmt: skip
            start = self._frame("message_start", {"type": "message_start", "message": message})
            return start + self._frame("ping", {"type": "ping"})
        if isinstance(event, UsageUpdate):
            self._usage = event.usage
            return b""
        if isinstance(event, Finish):
            return self._finish(event.finish_reason)
        self._errored = True
        return self._frame("error", error_body(event.type, event.message))

    def _start(self, event: BlockStart) -> bytes:
        block = event.block
        content: dict[str, Any]
        if isinstance(block, ir.TextBlock):
            content = {"type": "text", "text": ""}
        elif isinstance(block, ir.ThinkingBlock):
            if block.redacted and block.origin == FORMAT:
                content = {"type": "redacted_thinking", "data": block.signature}
            else:
                content = {"type": "thinking", "thinking": "", "signature": ""}
                if block.origin not in (FORMAT, None):
                    self._proofs[event.index] = (block, [])
        elif isinstance(block, ir.ToolCallBlock):
            content = {
                "type": "tool_use",
                "id": client_tool_id(block),
                "name": block.name,
                "input": {},
            }
        else:
            return b""
        self._kinds[event.index] = content["type"]
        return self._frame(
            "content_block_start",
            {"type": "content_block_start", "index": event.index, "content_block": content},
        )

    def _delta(self, event: BlockDelta) -> bytes:
        kind = self._kinds.get(event.index)
        delta: dict[str, Any]
        if kind == "text" and event.delta_type == "text":
            delta = {"type": "text_delta", "text": event.delta}
        elif kind == "thinking" and event.delta_type == "thinking":
            delta = {"type": "thinking_delta", "thinking": event.delta}
        elif kind == "thinking" and event.delta_type == "signature":
            held = self._proofs.get(event.index)
            if held is not None:
                held[1].append(event.delta)
                return b""
            delta = {"type": "signature_delta", "signature": event.delta}
        elif kind == "tool_use" and event.delta_type == "arguments":
            delta = {"type": "input_json_delta", "partial_json": event.delta}
        else:
            return b""
        return self._frame(
            "content_block_delta",
            {"type": "content_block_delta", "index": event.index, "delta": delta},
        )

    def _finish(self, reason: ir.FinishReason | None) -> bytes:
        self._finished = True
        out = b"".join(self.encode(BlockStop(index)) for index in list(self._kinds))
        delta = {
            "stop_reason": WIRE_STOP_REASONS.get(reason or "stop", "end_turn"),
            "stop_sequence": None,
        }
        out += self._frame(
            "message_delta",
            {"type": "message_delta", "delta": delta, "usage": encode_usage(self._usage)},
        )
        return out + self._frame("message_stop", {"type": "message_stop"})

    def finalize(self) -> bytes:
        """A missing ``message_delta``/``message_stop`` when the stream ended without Finish."""
        if self._closed or self._errored or self._finished:
            self._closed = True
            return b""
        self._closed = True
        return self._finish(None)
