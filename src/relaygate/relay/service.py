"""The relay service: long-lived state for /v1 calls (transport, snapshots, ledger)."""

from __future__ import annotations

from relaygate.runtime import Runtime


class RelayService:
    """Owns the upstream transport, routing and key snapshots, and the log ledger."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def start(self) -> None:
        """Open the pool, load snapshots, start the ledger writer."""

    async def reload(self) -> None:
        """Reload every snapshot from the database."""

    async def close(self) -> None:
        """Drain the ledger and close the pool."""
