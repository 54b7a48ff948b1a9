"""Channel ``model_mapping``: follow chains (a→b→c) and refuse cycles."""

from __future__ import annotations

from collections.abc import Mapping

from relaygate.errors import BadRequest
from relaygate.kit import jsonx


def parse_mapping(raw: str | None) -> dict[str, str]:
    """A channel's mapping text as a dict; empty or invalid text maps nothing."""
    if not raw or not raw.strip():
        return {}
    try:
        value = jsonx.loads(raw)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str) and v}


def resolve(model: str, mapping: Mapping[str, str]) -> str:
    """The upstream model name for ``model`` after following the mapping chain."""
    seen = [model]
    current = model
    while current in mapping:
        current = mapping[current]
        if current in seen:
            chain = " → ".join([*seen, current])
            raise BadRequest(f"model_mapping contains a cycle: {chain}", code="model_mapping_cycle")
        seen.append(current)
    return current
