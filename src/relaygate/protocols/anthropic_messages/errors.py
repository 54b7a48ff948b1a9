"""Anthropic error bodies: ``{"type": "error", "error": {"type", "message"}}``."""

from __future__ import annotations

from typing import Any

from relaygate.errors import RelayGateError
from relaygate.kit import jsonx
from relaygate.protocols import wire

_TYPES_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def error_body(type_: str, message: str) -> dict[str, Any]:
    """The whole error object."""
    return {"type": "error", "error": {"type": type_, "message": message}}


def render_error(error: RelayGateError) -> bytes:
    """Our error as an Anthropic error body (type chosen by HTTP status)."""
    return jsonx.dumps(error_body(_TYPES_BY_STATUS.get(error.status, "api_error"), error.message))


def parse_error_object(data: dict[str, Any]) -> tuple[str, str | None]:
    """``(message, type)`` from a parsed Anthropic error body."""
    error = wire.as_dict(data.get("error"))
    kind = error.get("type")
    return wire.as_str(error.get("message")) or "upstream error", kind if isinstance(
        kind, str
    ) else None


def parse_error(body: bytes) -> tuple[str, str | None]:
    """``(message, type)`` from an upstream Anthropic error body; raw text if not JSON."""
    try:
        data = jsonx.loads(body)
    except jsonx.JSONDecodeError:
        return body.decode(errors="replace")[:500] or "upstream error", None
    if not isinstance(data, dict):
        return body.decode(errors="replace")[:500], None
    return parse_error_object(data)
