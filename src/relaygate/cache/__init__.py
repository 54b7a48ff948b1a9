"""Key-value infrastructure with two backends (in-process, Redis): change notifications, counters."""

from relaygate.cache.bus import ChangeBus, LocalBus, RedisBus, create_bus

__all__ = ["ChangeBus", "LocalBus", "RedisBus", "create_bus"]
