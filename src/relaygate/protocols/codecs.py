"""The codec registry: one ``WireCodec`` per wire format, meeting only in the IR."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import ClassVar, Final, Protocol

from relaygate.errors import RelayGateError
from relaygate.protocols import anthropic_messages, gemini, ir, openai_chat, openai_responses
from relaygate.protocols.events import (
    BlockDelta,
    Event,
    EventDecoder,
    EventEncoder,
    MessageStart,
    StreamError,
    UsageUpdate,
)
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport


class WireCodec(Protocol):
    """Everything one wire format knows: requests, responses, streams and errors."""

    format: ClassVar[WireFormat]

    def decode_request(self, body: bytes, losses: LossReport) -> ir.Request:
        """Client request body → IR (raises ``BadRequest`` on malformed JSON)."""
        ...

    def encode_request(self, request: ir.Request, losses: LossReport) -> bytes:
        """IR → upstream request body; what cannot be carried goes to ``losses``."""
        ...

    def decode_response(self, body: bytes) -> ir.Response:
        """Upstream non-streamed response body → IR."""
        ...

    def encode_response(self, response: ir.Response) -> bytes:
        """IR → client non-streamed response body."""
        ...

    def event_decoder(self) -> EventDecoder:
        """Upstream SSE or JSON bytes → IR events."""
        ...

    def event_encoder(self, *, include_usage: bool = True) -> EventEncoder:
        """IR events → client SSE frames (``include_usage``: OpenAI chat's final usage chunk)."""
        ...

    def render_error(self, error: RelayGateError) -> bytes:
        """Our error as this format's error body."""
        ...

    def parse_error(self, body: bytes) -> tuple[str, str | None]:
        """``(message, type or code)`` of an upstream error body in this format."""
        ...


class OpenAIChatCodec:
    """``/v1/chat/completions``."""

    format: ClassVar[WireFormat] = WireFormat.OPENAI_CHAT
    decode_request = staticmethod(openai_chat.decode_request)
    encode_request = staticmethod(openai_chat.encode_request)
    decode_response = staticmethod(openai_chat.decode_response)
    encode_response = staticmethod(openai_chat.encode_response)
    render_error = staticmethod(openai_chat.render_error)
    parse_error = staticmethod(openai_chat.parse_error)

    def event_decoder(self) -> EventDecoder:
        """Chat chunks → IR events."""
        return openai_chat.EventDecoder()

    def event_encoder(self, *, include_usage: bool = True) -> EventEncoder:
        """IR events → chat chunks."""
        return openai_chat.EventEncoder(include_usage=include_usage)


class OpenAIResponsesCodec:
    """``/v1/responses``."""

    format: ClassVar[WireFormat] = WireFormat.OPENAI_RESPONSES
    decode_request = staticmethod(openai_responses.decode_request)
    encode_request = staticmethod(openai_responses.encode_request)
    decode_response = staticmethod(openai_responses.decode_response)
    encode_response = staticmethod(openai_responses.encode_response)
    render_error = staticmethod(openai_responses.render_error)
    parse_error = staticmethod(openai_responses.parse_error)

    def event_decoder(self) -> EventDecoder:
        """Responses events → IR events."""
        return openai_responses.EventDecoder()

    def event_encoder(self, *, include_usage: bool = True) -> EventEncoder:
        """IR events → Responses events (usage always rides in response.completed)."""
        return openai_responses.EventEncoder()


class AnthropicMessagesCodec:
    """``/v1/messages``."""

    format: ClassVar[WireFormat] = WireFormat.ANTHROPIC_MESSAGES
    decode_request = staticmethod(anthropic_messages.decode_request)
    encode_request = staticmethod(anthropic_messages.encode_request)
    decode_response = staticmethod(anthropic_messages.decode_response)
    encode_response = staticmethod(anthropic_messages.encode_response)
    render_error = staticmethod(anthropic_messages.render_error)
    parse_error = staticmethod(anthropic_messages.parse_error)

    def event_decoder(self) -> EventDecoder:
        """Messages SSE → IR events."""
        return anthropic_messages.EventDecoder()

    def event_encoder(self, *, include_usage: bool = True) -> EventEncoder:
        """IR events → Messages SSE (usage always rides in message_delta)."""
        return anthropic_messages.EventEncoder()


class GeminiCodec:
    """``/v1beta/models/{model}:generateContent`` and ``:streamGenerateContent?alt=sse``."""

    format: ClassVar[WireFormat] = WireFormat.GEMINI
    decode_request = staticmethod(gemini.decode_request)
    encode_request = staticmethod(gemini.encode_request)
    decode_response = staticmethod(gemini.decode_response)
    encode_response = staticmethod(gemini.encode_response)
    render_error = staticmethod(gemini.render_error)
    parse_error = staticmethod(gemini.parse_error)

    def event_decoder(self) -> EventDecoder:
        """Gemini SSE chunks → IR events."""
        return gemini.EventDecoder()

    def event_encoder(self, *, include_usage: bool = True) -> EventEncoder:
        """IR events → Gemini SSE chunks (usage rides in the last chunk)."""
        return gemini.EventEncoder()


CODECS: Final[Mapping[WireFormat, WireCodec]] = MappingProxyType(
    {
        WireFormat.OPENAI_CHAT: OpenAIChatCodec(),
        WireFormat.OPENAI_RESPONSES: OpenAIResponsesCodec(),
        WireFormat.ANTHROPIC_MESSAGES: AnthropicMessagesCodec(),
        WireFormat.GEMINI: GeminiCodec(),
    }
)


def convert_request(
    body: bytes,
    src: WireFormat,
    dst: WireFormat,
    losses: LossReport,
    *,
    model: str | None = None,
    stream: bool | None = None,
) -> bytes:
    """A client request in ``src`` as an upstream request in ``dst``.

    ``model`` replaces the model name (the mapped upstream name, or Gemini's URL model) and
    ``stream`` the stream flag (Gemini carries it in the URL). Same format without overrides
    returns ``body`` untouched.
    """
    if src == dst and model is None and stream is None:
        return body
    request = CODECS[src].decode_request(body, losses)
    if model is not None:
        request.model = model
    if stream is not None:
        request.stream = stream
    return CODECS[dst].encode_request(request, losses)


def convert_response(body: bytes, src: WireFormat, dst: WireFormat) -> bytes:
    """An upstream non-streamed response in ``src`` as a client response in ``dst``."""
    if src == dst:
        return body
    return CODECS[dst].encode_response(CODECS[src].decode_response(body))


class StreamBridge:
    """Upstream stream bytes in ``upstream`` format → client SSE frames in ``client`` format.

    Also captures usage and any mid-stream error for settlement. ``model`` rewrites the model
    name the client sees (the name it asked for, not the mapped upstream name).
    """

    __slots__ = ("_decoder", "_encoder", "_model", "delta_chars", "error", "usage")

    def __init__(
        self,
        upstream: WireFormat,
        client: WireFormat,
        *,
        include_usage: bool = True,
        model: str | None = None,
    ) -> None:
        self._decoder = CODECS[upstream].event_decoder()
        self._encoder = CODECS[client].event_encoder(include_usage=include_usage)
        self._model = model
        self.usage: ir.Usage | None = None
        """The latest cumulative usage seen."""
        self.error: StreamError | None = None
        """The upstream's mid-stream error, if any."""
        self.delta_chars = 0
        """Characters of text, thinking and tool arguments seen (estimates a cut stream's usage)."""

    def _encode(self, events: list[Event]) -> bytes:
        out = []
        for event in events:
            if isinstance(event, UsageUpdate):
                self.usage = event.usage
            elif isinstance(event, MessageStart) and self._model is not None:
                event = replace(event, model=self._model)
            elif isinstance(event, StreamError):
                self.error = event
            elif isinstance(event, BlockDelta) and event.delta_type != "signature":
                self.delta_chars += len(event.delta)
            out.append(self._encoder.encode(event))
        return b"".join(out)

    def feed(self, chunk: bytes) -> bytes:
        """Client frames for the next upstream bytes."""
        return self._encode(self._decoder.feed(chunk))

    def finish(self) -> bytes:
        """Client frames that close the stream."""
        return self._encode(self._decoder.finish()) + self._encoder.finalize()
