"""Responses error bodies: the OpenAI ``{"error": {...}}`` shape."""

from relaygate.protocols.openai_errors import parse_error, parse_error_object, render_error

__all__ = ["parse_error", "parse_error_object", "render_error"]
