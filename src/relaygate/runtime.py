"""Process-wide services every /api domain uses, built once by the lifespan and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from relaygate.cache.bus import ChangeBus
from relaygate.config import Settings
from relaygate.db.session import Database
from relaygate.kit.crypto import SecretBox
from relaygate.options.snapshot import OptionsSnapshot

TOPIC_CHANNELS = "channels"
TOPIC_TOKENS = "tokens"
TOPIC_USERS = "users"
TOPIC_OPTIONS = "options"


@dataclass(slots=True)
class OptionsHolder:
    """Holds the current options snapshot; swapped whole on reload."""

    current: OptionsSnapshot = field(default_factory=lambda: OptionsSnapshot.build({}))


@dataclass(slots=True)
class Runtime:
    """Settings, database, change bus, secret box and options for one process."""

    settings: Settings
    database: Database
    bus: ChangeBus
    secrets: SecretBox
    options: OptionsHolder
    redis: Any | None = None

    async def changed(self, topic: str, payload: str = "") -> None:
        """Announce a committed change so every node drops its cached copy."""
        await self.bus.publish(topic, payload)
