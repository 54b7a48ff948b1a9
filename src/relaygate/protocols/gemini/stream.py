"""Gemini streams (``alt=sse`` chunks of GenerateContentResponse) ↔ IR events."""

from __future__ import annotations

from typing import Any

from relaygate.kit import jsonx
from relaygate.kit.sse import SSEParser, frame
from relaygate.protocols import ir, wire
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
from relaygate.protocols.gemini.decode import (
    FINISH_REASONS,
    FORMAT,
    SYNTHETIC_ID_PREFIX,
    decode_usage,
)
from relaygate.protocols.gemini.encode import (
    FINISH_REASONS as WIRE_FINISH_REASONS,
)
from relaygate.protocols.gemini.encode import call_part, carries_proof, encode_usage
from relaygate.protocols.gemini.errors import error_body, parse_error_object


class EventDecoder:
    """Upstream Gemini SSE chunks (or a JSON response or array) → IR events."""

    __slots__ = (
        "_body",
        "_current",
        "_done",
        "_has_calls",
        "_mode",
        "_next",
        "_parser",
        "_reason",
        "_started",
    )

    def __init__(self) -> None:
        self._parser = SSEParser()
        self._mode: str | None = None
        self._body = bytearray()
        self._started = False
        self._current: tuple[str, int] | None = None
        self._next = 0
        self._reason: str | None = None
        self._has_calls = False
        self._done = False

    def feed(self, chunk: bytes) -> list[Event]:
        """Consume upstream bytes."""
        if self._mode is None:
            stripped = chunk.lstrip()
            if not stripped:
                return []
            self._mode = "json" if stripped[:1] in (b"{", b"[") else "sse"
        if self._mode == "json":
            self._body += chunk
            return []
        out: list[Event] = []
        for event in self._parser.feed(chunk):
            self._on_data(event.data, out)
        return out

    def finish(self) -> list[Event]:
        """Flush at end of body; Gemini streams have no terminator, so this ends the answer."""
        if self._done:
            return []
        out: list[Event] = []
        if self._mode == "json":
            try:
                value = jsonx.loads(bytes(self._body))
            except jsonx.JSONDecodeError:
                value = None
            for item in value if isinstance(value, list) else [value]:
                self._on_chunk(wire.as_dict(item), out)
        else:
            for event in self._parser.close():
                self._on_data(event.data, out)
        if self._done:
            return out
        self._done = True
        self._stop_current(out)
        if self._reason is None:
            out.append(StreamError("upstream stream ended before a finishReason"))
            return out
        reason = FINISH_REASONS.get(self._reason, "stop")
        out.append(Finish("tool_calls" if self._has_calls and reason == "stop" else reason))
        return out

    def _on_data(self, data: bytes, out: list[Event]) -> None:
        try:
            chunk = jsonx.loads(data)
        except jsonx.JSONDecodeError:
            return
        self._on_chunk(wire.as_dict(chunk), out)

    def _stop_current(self, out: list[Event]) -> None:
        if self._current is not None:
            out.append(BlockStop(self._current[1]))
            self._current = None

    def _open(self, kind: str, block: ir.Block, out: list[Event]) -> int:
        self._stop_current(out)
        index = self._next
        self._next += 1
        self._current = (kind, index)
        out.append(BlockStart(index, block))
        return index

    def _on_chunk(self, chunk: dict[str, Any], out: list[Event]) -> None:
        if self._done:
            return
        if "error" in chunk:
            message, code = parse_error_object(chunk)
            self._stop_current(out)
            self._done = True
            out.append(StreamError(message, code=code))
            return
        if not self._started:
            self._started = True
            out.append(
                MessageStart(
                    wire.as_str(chunk.get("responseId")), wire.as_str(chunk.get("modelVersion"))
                )
            )
        candidates = wire.as_list(chunk.get("candidates"))
        candidate = wire.as_dict(candidates[0]) if candidates else {}
        for part in wire.as_list(wire.as_dict(candidate.get("content")).get("parts")):
            self._on_part(wire.as_dict(part), out)
        if isinstance(candidate.get("finishReason"), str):
            self._reason = candidate["finishReason"]
        elif not candidates and wire.as_dict(chunk.get("promptFeedback")).get("blockReason"):
            self._reason = "SAFETY"
        usage = chunk.get("usageMetadata")
        if isinstance(usage, dict):
            out.append(UsageUpdate(decode_usage(usage)))

    def _on_part(self, part: dict[str, Any], out: list[Event]) -> None:
        signature = part.get("thoughtSignature")
        if "functionCall" in part:
            call = wire.as_dict(part["functionCall"])
            block = ir.ToolCallBlock(
                wire.as_str(call.get("id")) or wire.new_id(SYNTHETIC_ID_PREFIX),
                wire.as_str(call.get("name")),
            )
            if isinstance(signature, str):
                block.provider_details["thought_signature"] = signature
            index = self._open("tool", block, out)
            out.append(BlockDelta(index, wire.arguments_text(call.get("args", {})), "arguments"))
            self._stop_current(out)
            self._has_calls = True
            return
        if not part.get("text") and not isinstance(signature, str):
            return  # e.g. the empty text part of a final chunk
        kind = "thinking" if part.get("thought") is True else "text"
        if self._current is None or self._current[0] != kind:
            stub: ir.Block = (
                ir.ThinkingBlock(origin=FORMAT) if kind == "thinking" else ir.TextBlock("")
            )
            self._open(kind, stub, out)
        assert self._current is not None
        index = self._current[1]
        text = wire.as_str(part.get("text"))
        if text:
            out.append(BlockDelta(index, text, "thinking" if kind == "thinking" else "text"))
        if isinstance(signature, str):
            out.append(BlockDelta(index, signature, "signature"))


class EventEncoder:
    """IR events → Gemini SSE chunks; tool calls are sent whole, when their arguments are."""

    __slots__ = (
        "_blocks",
        "_closed",
        "_errored",
        "_finished",
        "_id",
        "_model",
        "_pending",
        "_usage",
    )

    def __init__(self) -> None:
        self._id = ""
        self._model = ""
        self._blocks: dict[int, tuple[ir.Block, list[str], list[str]]] = {}
        self._pending: list[ir.ThinkingBlock] = []
        self._usage: ir.Usage | None = None
        self._finished = False
        self._errored = False
        self._closed = False

    def _chunk(self, parts: list[dict[str, Any]], finish: str | None = None) -> bytes:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        body: dict[str, Any] = {"candidates": [candidate]}
        if finish is not None:
            candidate["finishReason"] = finish
            if self._usage is not None:
                body["usageMetadata"] = encode_usage(self._usage)
        body["modelVersion"] = self._model
        body["responseId"] = self._id
        return frame(jsonx.dumps(body))

    def encode(self, event: Event) -> bytes:
        """Frames for one event."""
        if isinstance(event, BlockDelta):
            held = self._blocks.get(event.index)
            if held is None:
                return b""
            block, text, signature = held
            if isinstance(block, ir.ToolCallBlock):
                if event.delta_type == "arguments":
                    text.append(event.delta)
                return b""
            if event.delta_type == "signature":
                if isinstance(block, ir.ThinkingBlock) and block.origin != FORMAT:
                    signature.append(event.delta)
                    return b""
                part: dict[str, Any] = {"text": "", "thoughtSignature": event.delta}
                if isinstance(block, ir.ThinkingBlock):
                    part["thought"] = True
                return self._chunk([part])
            if isinstance(block, ir.ThinkingBlock):
                if block.origin not in (None, FORMAT):  # kept to pack into the next call
                    text.append(event.delta)
                return self._chunk([{"text": event.delta, "thought": True}])
            return self._chunk([{"text": event.delta}])
        if isinstance(event, BlockStart):
            self._blocks[event.index] = (event.block, [], [])
            return b""
        if isinstance(event, BlockStop):
            return self._stop(event.index)
        if isinstance(event, MessageStart):
            self._id, self._model = event.id, event.model
            return b""
        if isinstance(event, UsageUpdate):
            self._usage = event.usage
            return b""
        if isinstance(event, Finish):
            self._finished = True
            out = b"".join(self._stop(index) for index in list(self._blocks))
            reason = WIRE_FINISH_REASONS.get(event.finish_reason or "stop", "STOP")
            return out + self._chunk([{"text": ""}], reason)
        self._errored = True
        return frame(jsonx.dumps(error_body(500, event.message)))

    def _stop(self, index: int) -> bytes:
        held = self._blocks.pop(index, None)
        if held is None:
            return b""
        block, text, signature = held
        if isinstance(block, ir.ThinkingBlock):
            proof = ir.ThinkingBlock(
                "".join(text),
                "".join(signature) if signature else block.signature,
                block.redacted,
                block.origin,
                dict(block.provider_details),
            )
            if carries_proof(proof):
                self._pending.append(proof)
            return b""
        if isinstance(block, ir.ToolCallBlock):
            call = ir.ToolCallBlock(block.id, block.name, "".join(text), block.provider_details)
            part = call_part(call, self._pending)
            self._pending = []
            return self._chunk([part])
        return b""

    def finalize(self) -> bytes:
        """A closing chunk with finishReason and usage when no Finish arrived."""
        if self._closed or self._errored or self._finished:
            self._closed = True
            return b""
        self._closed = True
        return self.encode(Finish(None))
