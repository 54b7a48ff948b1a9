"""Anthropic Messages (``/v1/messages``) codec."""

from relaygate.protocols.anthropic_messages.decode import decode_request, decode_response
from relaygate.protocols.anthropic_messages.encode import encode_request, encode_response
from relaygate.protocols.anthropic_messages.errors import parse_error, render_error
from relaygate.protocols.anthropic_messages.stream import EventDecoder, EventEncoder

__all__ = [
    "EventDecoder",
    "EventEncoder",
    "decode_request",
    "decode_response",
    "encode_request",
    "encode_response",
    "parse_error",
    "render_error",
]
