"""OpenAI-style error bodies, shared by Chat Completions and Responses:
``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

from typing import Any

from relaygate.errors import RelayGateError
from relaygate.kit import jsonx
from relaygate.protocols import wire


def error_object(
    message: str, type_: str, code: str | None, param: str | None = None
) -> dict[str, Any]:
    """The inner ``error`` object."""
    return {"message": message, "type": type_, "param": param, "code": code}


def render_error(error: RelayGateError) -> bytes:
    """Our error as an OpenAI error body."""
    return jsonx.dumps({"error": error_object(error.message, error.type, error.error_code)})


def parse_error_object(data: dict[str, Any]) -> tuple[str, str | None]:
    """``(message, type or code)`` from a parsed OpenAI error body."""
    error = data.get("error")
    if isinstance(error, str):
        return error, None
    error = wire.as_dict(error)
    kind = error.get("code") or error.get("type")
    message = wire.as_str(error.get("message")) or wire.as_str(data.get("message"))
    if not message:
        # Jina, SiliconFlow, Xinference and other FastAPI servers answer {"detail": …}
        detail = data.get("detail")
        message = detail if isinstance(detail, str) else (jsonx.dumps_str(detail) if detail else "")
    return message or "upstream error", str(kind) if kind is not None else None


def parse_error(body: bytes) -> tuple[str, str | None]:
    """``(message, type or code)`` from an upstream OpenAI error body; raw text if not JSON."""
    try:
        data = jsonx.loads(body)
    except jsonx.JSONDecodeError:
        return body.decode(errors="replace")[:500] or "upstream error", None
    if not isinstance(data, dict):
        return body.decode(errors="replace")[:500], None
    return parse_error_object(data)
