"""Relay errors rendered in the client's own wire format (recorded on the scope by the route)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import Scope

from relaygate.errors import RelayGateError
from relaygate.protocols.codecs import CODECS
from relaygate.protocols.formats import WireFormat

FORMAT_SCOPE_KEY = "relaygate.wire_format"


def error_body(fmt: WireFormat, error: RelayGateError) -> bytes:
    """The error body a client of ``fmt`` expects."""
    return CODECS[fmt].render_error(error)


def render_relay_error(scope: Scope, error: RelayGateError) -> Response:
    """An error response in the format the route declared (OpenAI when none did)."""
    fmt = scope.get(FORMAT_SCOPE_KEY, WireFormat.OPENAI_CHAT)
    return Response(error_body(fmt, error), status_code=error.status, media_type="application/json")
