"""RelayContext: everything one /v1 call learns on its way through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from relaygate.auth.api_keys import ApiCaller
from relaygate.billing.pricing import Price, Usage
from relaygate.kit import clock
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget


@dataclass(slots=True)
class RelayContext:
    """State of one relayed call; typed, never a dict bag."""

    fmt: WireFormat
    caller: ApiCaller
    model: str
    stream: bool
    request_id: str
    path: str
    started: float = field(default_factory=clock.monotonic)
    price: Price | None = None
    reserved: int = 0
    channel: ChannelTarget | None = None
    upstream_model: str = ""
    tried: list[int] = field(default_factory=list)
    key_index: int | None = None
    """Which key of a multi-key channel this attempt uses."""
    usage: Usage | None = None
    estimated_completion_tokens: int = 0
    prompt_estimate: int = 0
    first_byte_ms: int = 0
    completed: bool = False
    error_message: str = ""
    fixed_quota: int | None = None
    """The cost when the endpoint prices per call, image, character or second (not per token)."""
    log_other: dict[str, Any] = field(default_factory=dict)
    """Endpoint facts for the log row's ``other`` (image size, audio seconds, …)."""

    def elapsed_seconds(self) -> int:
        """Whole seconds since the call arrived (new-api's use_time)."""
        return int(clock.monotonic() - self.started)

    def mark_first_byte(self) -> None:
        """Record time to first upstream byte once."""
        if not self.first_byte_ms:
            self.first_byte_ms = max(1, int((clock.monotonic() - self.started) * 1000))
