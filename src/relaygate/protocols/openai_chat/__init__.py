"""OpenAI Chat Completions (``/v1/chat/completions``) codec."""

from relaygate.protocols.openai_chat.decode import decode_request, decode_response
from relaygate.protocols.openai_chat.encode import encode_request, encode_response
from relaygate.protocols.openai_chat.errors import parse_error, render_error
from relaygate.protocols.openai_chat.stream import EventDecoder, EventEncoder

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
