"""Channel selection: priority tiers, weights, exclusion; model mapping chains."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from relaygate.errors import BadRequest
from relaygate.providers.base import ChannelTarget
from relaygate.routing import mapping, selector
from relaygate.routing.snapshot import RoutingSnapshot


def _target(channel_id: int) -> ChannelTarget:
    return ChannelTarget(
        channel_id=channel_id, channel_type=1, name=f"c{channel_id}", key="k", base_url=""
    )


def _snapshot(rows: list[tuple[str, str, int, int, int]]) -> RoutingSnapshot:
    ids = {row[2] for row in rows}
    return RoutingSnapshot.build(rows, {i: _target(i) for i in ids})


def test_weights_three_to_one() -> None:
    snapshot = _snapshot([("default", "m", 1, 0, 3), ("default", "m", 2, 0, 1)])
    rng = random.Random(7)
    picks = Counter(
        selector.select(snapshot, "default", "m", rng=rng).channel_id for _ in range(4000)
    )  # type: ignore[union-attr]
    share = picks[1] / 4000
    assert 0.72 < share < 0.78


def test_highest_priority_tier_first_then_lower_when_exhausted() -> None:
    snapshot = _snapshot(
        [("default", "m", 1, 10, 1), ("default", "m", 2, 10, 1), ("default", "m", 3, 0, 1)]
    )
    rng = random.Random(1)
    assert {selector.select(snapshot, "default", "m", rng=rng).channel_id for _ in range(50)} == {
        1,
        2,
    }  # type: ignore[union-attr]
    picked = selector.select(snapshot, "default", "m", exclude=[1, 2], rng=rng)
    assert picked is not None and picked.channel_id == 3
    assert selector.select(snapshot, "default", "m", exclude=[1, 2, 3]) is None


def test_never_repeats_an_excluded_channel() -> None:
    snapshot = _snapshot([("default", "m", 1, 0, 100), ("default", "m", 2, 0, 1)])
    for seed in range(50):
        picked = selector.select(snapshot, "default", "m", exclude=[1], rng=random.Random(seed))
        assert picked is not None and picked.channel_id == 2


def test_groups_and_models_are_separate_routes() -> None:
    snapshot = _snapshot([("vip", "m", 1, 0, 1), ("default", "other", 2, 0, 1)])
    assert selector.select(snapshot, "default", "m") is None
    assert snapshot.models("default") == frozenset({"other"})


def test_zero_weights_are_uniform() -> None:
    snapshot = _snapshot([("default", "m", 1, 0, 0), ("default", "m", 2, 0, 0)])
    rng = random.Random(3)
    picks = Counter(
        selector.select(snapshot, "default", "m", rng=rng).channel_id for _ in range(1000)
    )  # type: ignore[union-attr]
    assert 400 < picks[1] < 600


def test_mapping_follows_chains() -> None:
    table = {"gpt-4": "gpt-4o", "gpt-4o": "gpt-4o-2024-08-06"}
    assert mapping.resolve("gpt-4", table) == "gpt-4o-2024-08-06"
    assert mapping.resolve("unmapped", table) == "unmapped"


def test_mapping_cycle_is_a_clear_error() -> None:
    with pytest.raises(BadRequest, match="cycle"):
        mapping.resolve("a", {"a": "b", "b": "c", "c": "a"})


def test_parse_mapping_ignores_garbage() -> None:
    assert mapping.parse_mapping('{"a": "b", "n": 1}') == {"a": "b"}
    assert mapping.parse_mapping("not json") == {}
    assert mapping.parse_mapping("") == {}
