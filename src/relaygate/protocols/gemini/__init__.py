"""Gemini generateContent (``/v1beta/models/{model}:generateContent``) codec."""

from relaygate.protocols.gemini.decode import decode_request, decode_response
from relaygate.protocols.gemini.encode import encode_request, encode_response
from relaygate.protocols.gemini.errors import parse_error, render_error
from relaygate.protocols.gemini.stream import EventDecoder, EventEncoder

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
