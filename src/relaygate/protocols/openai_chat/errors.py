"""Chat Completions error bodies: the OpenAI ``{"error": {...}}`` shape."""

from relaygate.protocols.openai_errors import (
    error_object,
    parse_error,
    parse_error_object,
    render_error,
)

__all__ = ["error_object", "parse_error", "parse_error_object", "render_error"]
