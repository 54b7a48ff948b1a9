"""An immutable routing table built from channels + abilities: (group, model) → priority tiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from relaygate.providers.base import ChannelTarget


@dataclass(frozen=True, slots=True)
class Candidate:
    """One channel able to serve a (group, model), with its weight."""

    channel_id: int
    weight: int


@dataclass(frozen=True, slots=True)
class Tier:
    """Channels of equal priority."""

    priority: int
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class RoutingSnapshot:
    """Tiers per (group, model), highest priority first, and the targets by channel id."""

    routes: Mapping[tuple[str, str], tuple[Tier, ...]] = field(default_factory=dict)
    targets: Mapping[int, ChannelTarget] = field(default_factory=dict)
    models_by_group: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        abilities: Sequence[tuple[str, str, int, int, int]],
        targets: Mapping[int, ChannelTarget],
    ) -> RoutingSnapshot:
        """From enabled ability rows ``(group, model, channel_id, priority, weight)``."""
        grouped: dict[tuple[str, str], dict[int, list[Candidate]]] = {}
        models: dict[str, set[str]] = {}
        for group, model, channel_id, priority, weight in abilities:
            if channel_id not in targets:
                continue
            tiers = grouped.setdefault((group, model), {})
            tiers.setdefault(priority, []).append(Candidate(channel_id, max(0, weight)))
            models.setdefault(group, set()).add(model)
        routes = {
            route: tuple(
                Tier(priority, tuple(sorted(cands, key=lambda c: c.channel_id)))
                for priority, cands in sorted(tiers.items(), key=lambda item: -item[0])
            )
            for route, tiers in grouped.items()
        }
        return cls(
            routes=routes,
            targets=dict(targets),
            models_by_group={g: frozenset(m) for g, m in models.items()},
        )

    def tiers(self, group: str, model: str) -> tuple[Tier, ...]:
        """Priority tiers for a route, highest first; empty when nothing serves it."""
        return self.routes.get((group, model), ())

    def models(self, group: str) -> frozenset[str]:
        """Every model some enabled channel serves in ``group``."""
        return self.models_by_group.get(group, frozenset())
