"""Pick a channel: the highest priority tier that still has an untried channel, weighted random in it.

Unlike new-api, a retry never lands on a channel this request already tried; when a tier is
exhausted the next lower tier is used.
"""

from __future__ import annotations

import random
from collections.abc import Collection

from relaygate.providers.base import ChannelTarget
from relaygate.routing.snapshot import Candidate, RoutingSnapshot

_RNG = random.Random()


def _weighted(candidates: list[Candidate], rng: random.Random) -> Candidate:
    total = sum(c.weight for c in candidates)
    if total <= 0:
        return rng.choice(candidates)
    point = rng.random() * total
    for candidate in candidates:
        point -= candidate.weight
        if point < 0:
            return candidate
    return candidates[-1]


def select(
    snapshot: RoutingSnapshot,
    group: str,
    model: str,
    *,
    exclude: Collection[int] = (),
    rng: random.Random | None = None,
) -> ChannelTarget | None:
    """A channel for (group, model) not in ``exclude``, or None when every one was tried."""
    chooser = rng or _RNG
    for tier in snapshot.tiers(group, model):
        remaining = [c for c in tier.candidates if c.channel_id not in exclude]
        if remaining:
            picked = _weighted(remaining, chooser)
            return snapshot.targets[picked.channel_id]
    return None
