"""Gemini error bodies: ``{"error": {"code", "message", "status"}}``."""

from __future__ import annotations

from typing import Any

from relaygate.errors import RelayGateError
from relaygate.kit import jsonx
from relaygate.protocols import wire

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def error_body(status: int, message: str) -> dict[str, Any]:
    """The whole error object for an HTTP status."""
    name = _STATUS_NAMES.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")
    return {"error": {"code": status, "message": message, "status": name}}


def render_error(error: RelayGateError) -> bytes:
    """Our error as a Google API error body."""
    return jsonx.dumps(error_body(error.status, error.message))


def parse_error_object(data: dict[str, Any]) -> tuple[str, str | None]:
    """``(message, status)`` from a parsed Google error body."""
    error = wire.as_dict(data.get("error"))
    status = error.get("status") or error.get("code")
    message = wire.as_str(error.get("message")) or "upstream error"
    return message, str(status) if status is not None else None


def parse_error(body: bytes) -> tuple[str, str | None]:
    """``(message, status)`` from an upstream Gemini error body (also a one-element array)."""
    try:
        data = jsonx.loads(body)
    except jsonx.JSONDecodeError:
        return body.decode(errors="replace")[:500] or "upstream error", None
    if isinstance(data, list) and data:
        data = data[0]
    if not isinstance(data, dict):
        return body.decode(errors="replace")[:500], None
    return parse_error_object(data)
