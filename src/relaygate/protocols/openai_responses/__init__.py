"""OpenAI Responses (``/v1/responses``) codec."""

from relaygate.protocols.openai_responses.decode import decode_request, decode_response
from relaygate.protocols.openai_responses.encode import encode_request, encode_response
from relaygate.protocols.openai_responses.errors import parse_error, render_error
from relaygate.protocols.openai_responses.stream import EventDecoder, EventEncoder

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
