"""Small helpers every codec uses to read and write JSON wire bodies."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from relaygate.errors import BadRequest
from relaygate.kit import jsonx
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.ir import Request
from relaygate.protocols.losses import LossReport

HINTS_SUFFIX = "#hints"
"""``Request.provider_details`` key suffix for a format's private layout hints (never emitted)."""


def load_object(body: bytes, what: str = "request body") -> dict[str, Any]:
    """Parse ``body`` as a JSON object or raise ``BadRequest``."""
    try:
        value = jsonx.loads(body)
    except jsonx.JSONDecodeError as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise BadRequest(f"{what} must be a JSON object")
    return value


def as_dict(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """``value`` if it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def as_str(value: object, default: str = "") -> str:
    """``value`` if it is a string, else ``default``."""
    return value if isinstance(value, str) else default


def opt_int(value: object) -> int | None:
    """An int field, ignoring bools and junk."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def opt_float(value: object) -> float | None:
    """A number field, ignoring bools and junk."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def split_data_url(url: str) -> tuple[str, str] | None:
    """``(media_type, base64 data)`` of a ``data:`` URL, else ``None``."""
    if not url.startswith("data:"):
        return None
    header, _, data = url[5:].partition(",")
    media_type, _, encoding = header.partition(";")
    if encoding != "base64":
        return None
    return media_type or "application/octet-stream", data


def data_url(media_type: str | None, data: str) -> str:
    """A base64 ``data:`` URL."""
    return f"data:{media_type or 'application/octet-stream'};base64,{data}"


def arguments_object(arguments: str) -> dict[str, Any]:
    """Tool-call arguments text as a JSON object (empty or invalid text gives ``{}``)."""
    if not arguments.strip():
        return {}
    try:
        value = jsonx.loads(arguments)
    except jsonx.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def arguments_text(arguments: object) -> str:
    """A tool-call arguments object as compact JSON text."""
    if arguments is None:
        return "{}"
    return jsonx.dumps(arguments).decode()


def new_id(prefix: str) -> str:
    """A random vendor-looking id, e.g. ``call_3f9a…``."""
    return prefix + secrets.token_hex(12)


def keep_extras(
    request: Request, fmt: WireFormat, data: Mapping[str, Any], known: set[str]
) -> None:
    """Stash top-level fields the IR does not model, so they round-trip in ``fmt``."""
    extras = {key: value for key, value in data.items() if key not in known}
    if extras:
        request.provider_details[fmt] = extras


def set_hint(request: Request, fmt: WireFormat, key: str, value: Any) -> None:
    """Remember a layout choice of the source body (e.g. which max-tokens key it used)."""
    request.provider_details.setdefault(fmt + HINTS_SUFFIX, {})[key] = value


def hint(request: Request, fmt: WireFormat, key: str) -> Any:
    """A layout hint recorded by ``fmt``'s decoder, or ``None``."""
    return request.provider_details.get(fmt + HINTS_SUFFIX, {}).get(key)


def merge_extras(
    request: Request, fmt: WireFormat, body: dict[str, Any], losses: LossReport
) -> None:
    """Re-emit ``fmt``'s own extras into ``body``; report every other format's as dropped."""
    for owner, fields in request.provider_details.items():
        if owner.endswith(HINTS_SUFFIX):
            continue
        if owner == fmt:
            for key, value in fields.items():
                body.setdefault(key, value)
        else:
            for key in fields:
                losses.dropped(key, f"{owner} field with no {fmt} equivalent")
