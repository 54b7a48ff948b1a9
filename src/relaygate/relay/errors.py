"""Relay errors rendered in the client's own wire format (recorded on the scope by the route)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import Scope

from relaygate.errors import RelayGateError
from relaygate.kit import jsonx
from relaygate.protocols.formats import WireFormat

FORMAT_SCOPE_KEY = "relaygate.wire_format"

_GEMINI_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_CLAUDE_TYPE = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def error_body(fmt: WireFormat, error: RelayGateError) -> bytes:
    """The error body a client of ``fmt`` expects."""
    if fmt is WireFormat.ANTHROPIC_MESSAGES:
        kind = _CLAUDE_TYPE.get(error.status, "api_error")
        return jsonx.dumps({"type": "error", "error": {"type": kind, "message": error.message}})
    if fmt is WireFormat.GEMINI:
        status = _GEMINI_STATUS.get(error.status, "UNKNOWN")
        return jsonx.dumps(
            {"error": {"code": error.status, "message": error.message, "status": status}}
        )
    return jsonx.dumps(
        {
            "error": {
                "message": error.message,
                "type": error.type,
                "param": None,
                "code": error.error_code,
            }
        }
    )


def render_relay_error(scope: Scope, error: RelayGateError) -> Response:
    """An error response in the format the route declared (OpenAI when none did)."""
    fmt = scope.get(FORMAT_SCOPE_KEY, WireFormat.OPENAI_CHAT)
    return Response(error_body(fmt, error), status_code=error.status, media_type="application/json")
