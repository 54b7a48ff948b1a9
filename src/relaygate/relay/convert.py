"""Upstream request bodies and the client-side stream/response transforms for one call.

Same format: the body is passed through with only the model name (and ``param_override``)
changed; OpenAI chat streams always ask for usage. Different formats: decode → IR → encode
(``protocols.codecs``), with what cannot be carried written to the loss report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from relaygate.billing.pricing import Usage
from relaygate.errors import RelayGateError
from relaygate.kit import jsonx
from relaygate.kit.sse import SSEParser
from relaygate.protocols import ir
from relaygate.protocols.codecs import CODECS, StreamBridge
from relaygate.protocols.events import BlockDelta, Event, Finish, StreamError, UsageUpdate
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport
from relaygate.protocols.suffixes import apply_thinking_suffix, split_thinking_suffix
from relaygate.providers.base import ChannelTarget
from relaygate.relay.inbound import Inbound
from relaygate.relay.passthrough import OpenAIChatStream, usage_from_openai

_SUFFIX_TARGETS = frozenset({WireFormat.ANTHROPIC_MESSAGES, WireFormat.GEMINI})


def billing_usage(usage: ir.Usage | None) -> Usage | None:
    """IR usage in billing terms (both count cache reads/writes inside the prompt)."""
    if usage is None:
        return None
    return Usage(
        prompt_tokens=usage.input_tokens,
        completion_tokens=usage.output_tokens,
        cached_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        reasoning_tokens=usage.reasoning_tokens,
    )


def upstream_body(
    inbound: Inbound,
    target_fmt: WireFormat,
    upstream_model: str,
    target: ChannelTarget,
    losses: LossReport,
) -> tuple[bytes, str]:
    """The body to send and the model name for the URL (suffixes stripped for Claude/Gemini)."""
    _, suffix = split_thinking_suffix(upstream_model)
    has_suffix = suffix is not None and target_fmt in _SUFFIX_TARGETS
    if inbound.fmt == target_fmt and not has_suffix:
        payload = dict(inbound.payload)
        if target_fmt != WireFormat.GEMINI:
            payload["model"] = upstream_model
        if target_fmt == WireFormat.OPENAI_CHAT and inbound.stream:
            options = payload.get("stream_options")
            stream_options = dict(options) if isinstance(options, dict) else {}
            stream_options["include_usage"] = True
            payload["stream_options"] = stream_options
        payload.update(target.param_override)
        return jsonx.dumps(payload), upstream_model
    codec_in, codec_out = CODECS[inbound.fmt], CODECS[target_fmt]
    request = codec_in.decode_request(inbound.body, losses)
    request.model = upstream_model
    request.stream = inbound.stream
    if target_fmt in _SUFFIX_TARGETS:
        apply_thinking_suffix(request)
    body = codec_out.encode_request(request, losses)
    if target.param_override:
        payload = jsonx.loads(body)
        payload.update(target.param_override)
        body = jsonx.dumps(payload)
    return body, request.model if has_suffix else upstream_model


def convert_json_response(
    raw: bytes, upstream_fmt: WireFormat, client_fmt: WireFormat, client_model: str
) -> tuple[bytes, Usage | None]:
    """A non-streamed upstream answer for the client, and its usage."""
    if upstream_fmt == client_fmt:
        if client_fmt == WireFormat.OPENAI_CHAT:
            payload = jsonx.loads(raw)
            usage = usage_from_openai(payload.get("usage") if isinstance(payload, dict) else None)
            return raw, usage
        response = CODECS[upstream_fmt].decode_response(raw)
        return raw, billing_usage(response.usage)
    response = CODECS[upstream_fmt].decode_response(raw)
    response.model = client_model
    return CODECS[client_fmt].encode_response(response), billing_usage(response.usage)


class ClientStream(Protocol):
    """Turns upstream stream bytes into client frames and keeps the usage seen."""

    @property
    def usage(self) -> Usage | None:
        """The latest usage the upstream reported."""
        ...

    @property
    def estimated_completion(self) -> int:
        """Completion tokens estimated from the text seen (for a stream cut before usage)."""
        ...

    @property
    def done(self) -> bool:
        """The upstream finished normally."""
        ...

    def feed(self, chunk: bytes) -> bytes: ...
    def finish(self) -> bytes: ...
    def fail(self, error: RelayGateError) -> bytes: ...


class _Counts(Protocol):
    """What a wrapped stream reports: usage, the cut-stream estimate, normal end."""

    @property
    def usage(self) -> Usage | None: ...
    @property
    def estimated_completion(self) -> int: ...
    @property
    def done(self) -> bool: ...


class _Wrapped:
    """A ClientStream around another one: usage and state are the inner stream's."""

    _inner: _Counts

    def __init__(self, inner: _Counts) -> None:
        self._inner = inner

    @property
    def usage(self) -> Usage | None:
        return self._inner.usage

    @property
    def estimated_completion(self) -> int:
        return self._inner.estimated_completion

    @property
    def done(self) -> bool:
        return self._inner.done


class ChatPassthrough(_Wrapped):
    """OpenAI chat → OpenAI chat: frames forwarded, usage sniffed (relay/passthrough.py)."""

    _inner: OpenAIChatStream

    def __init__(self, include_usage: bool) -> None:
        super().__init__(OpenAIChatStream(forward_usage=include_usage))

    def feed(self, chunk: bytes) -> bytes:
        return self._inner.feed(chunk)

    def finish(self) -> bytes:
        return self._inner.finish()

    def fail(self, error: RelayGateError) -> bytes:
        return b"data: " + CODECS[WireFormat.OPENAI_CHAT].render_error(error) + b"\n\n"


class SniffingPassthrough:
    """Same format (Claude, Gemini, Responses): bytes forwarded unchanged, decoded only for usage."""

    def __init__(self, fmt: WireFormat) -> None:
        self._fmt = fmt
        self._decoder = CODECS[fmt].event_decoder()
        self.usage: Usage | None = None
        self._chars = 0
        self.done = False

    @property
    def estimated_completion(self) -> int:
        return estimate_from_chars(self._chars)

    def _watch(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, UsageUpdate):
                self.usage = billing_usage(event.usage)
            elif isinstance(event, Finish):
                self.done = True
            elif isinstance(event, BlockDelta) and event.delta_type != "signature":
                self._chars += len(event.delta)

    def feed(self, chunk: bytes) -> bytes:
        self._watch(self._decoder.feed(chunk))
        return chunk

    def finish(self) -> bytes:
        self._watch(self._decoder.finish())
        return b""

    def fail(self, error: RelayGateError) -> bytes:
        return stream_error_frame(self._fmt, error)


class ConvertingStream:
    """Different formats: upstream events decoded to IR and encoded for the client."""

    def __init__(
        self, upstream: WireFormat, client: WireFormat, *, include_usage: bool, model: str
    ) -> None:
        self._bridge = StreamBridge(upstream, client, include_usage=include_usage, model=model)
        self._client = client
        self.done = False

    @property
    def usage(self) -> Usage | None:
        return billing_usage(self._bridge.usage)

    @property
    def estimated_completion(self) -> int:
        return estimate_from_chars(self._bridge.delta_chars)

    def feed(self, chunk: bytes) -> bytes:
        return self._bridge.feed(chunk)

    def finish(self) -> bytes:
        out = self._bridge.finish()
        self.done = self._bridge.error is None
        return out

    def fail(self, error: RelayGateError) -> bytes:
        return stream_error_frame(self._client, error)


def estimate_from_chars(chars: int) -> int:
    """About four characters per token."""
    return (chars + 3) // 4


def stream_error_frame(fmt: WireFormat, error: RelayGateError) -> bytes:
    """One frame telling a streaming client that the upstream failed midway."""
    encoder = CODECS[fmt].event_encoder()
    return encoder.encode(
        StreamError(message=error.message, type=error.type, code=error.error_code)
    )


def client_stream(
    inbound: Inbound, upstream_fmt: WireFormat, transform: Callable[[bytes], bytes] | None
) -> ClientStream:
    """The right stream relay for this pair of formats."""
    stream: ClientStream
    if upstream_fmt == inbound.fmt == WireFormat.OPENAI_CHAT:
        stream = ChatPassthrough(inbound.include_usage)
    elif upstream_fmt == inbound.fmt:
        stream = SniffingPassthrough(inbound.fmt)
    else:
        stream = ConvertingStream(
            upstream_fmt, inbound.fmt, include_usage=inbound.include_usage, model=inbound.model
        )
    if transform is not None:
        stream = Transformed(stream, transform)
    if inbound.fmt == WireFormat.GEMINI and not inbound.gemini_sse:
        stream = GeminiJsonArray(stream)
    return stream


class Transformed(_Wrapped):
    """Applies a provider's body transform (Bedrock event-stream → SSE) before the inner relay."""

    _inner: ClientStream

    def __init__(self, inner: ClientStream, transform: Callable[[bytes], bytes]) -> None:
        super().__init__(inner)
        self._transform = transform

    def feed(self, chunk: bytes) -> bytes:
        return self._inner.feed(self._transform(chunk))

    def finish(self) -> bytes:
        return self._inner.finish()

    def fail(self, error: RelayGateError) -> bytes:
        return self._inner.fail(error)


class GeminiJsonArray(_Wrapped):
    """Gemini's stream without ``alt=sse``: the same chunks as one JSON array, sent as they come."""

    _inner: ClientStream

    def __init__(self, inner: ClientStream) -> None:
        super().__init__(inner)
        self._parser = SSEParser()
        self._started = False

    def _array(self, frames: bytes) -> bytes:
        out: list[bytes] = []
        for event in self._parser.feed(frames):
            if not event.data:
                continue
            out.append((b",\r\n" if self._started else b"[") + event.data)
            self._started = True
        return b"".join(out)

    def feed(self, chunk: bytes) -> bytes:
        return self._array(self._inner.feed(chunk))

    def finish(self) -> bytes:
        tail = self._array(self._inner.finish())
        return tail + (b"]" if self._started else b"[]")

    def fail(self, error: RelayGateError) -> bytes:
        return self._array(self._inner.fail(error))
