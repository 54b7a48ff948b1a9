"""Pure wire formats, the internal representation and codecs; no I/O framework imports.

Public surface (imported lazily, so ``relaygate.protocols.formats`` stays cheap to import):
``WireFormat``, ``CODECS``, ``WireCodec``, ``convert_request``, ``convert_response``,
``StreamBridge``, ``LossReport``, ``peek``/``Peek``, ``ResponseBuilder``, ``response_events``,
``apply_thinking_suffix``/``split_thinking_suffix``; the IR lives in ``protocols.ir`` and the
stream events in ``protocols.events``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relaygate.protocols.codecs import (
        CODECS,
        StreamBridge,
        WireCodec,
        convert_request,
        convert_response,
    )
    from relaygate.protocols.collect import ResponseBuilder, response_events
    from relaygate.protocols.envelope import Peek, peek
    from relaygate.protocols.formats import WireFormat
    from relaygate.protocols.losses import LossReport
    from relaygate.protocols.suffixes import apply_thinking_suffix, split_thinking_suffix

_HOMES = {
    "CODECS": "codecs",
    "StreamBridge": "codecs",
    "WireCodec": "codecs",
    "convert_request": "codecs",
    "convert_response": "codecs",
    "ResponseBuilder": "collect",
    "response_events": "collect",
    "Peek": "envelope",
    "peek": "envelope",
    "WireFormat": "formats",
    "LossReport": "losses",
    "apply_thinking_suffix": "suffixes",
    "split_thinking_suffix": "suffixes",
}

__all__ = [
    "CODECS",
    "LossReport",
    "Peek",
    "ResponseBuilder",
    "StreamBridge",
    "WireCodec",
    "WireFormat",
    "apply_thinking_suffix",
    "convert_request",
    "convert_response",
    "peek",
    "response_events",
    "split_thinking_suffix",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
