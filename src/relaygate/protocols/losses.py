"""What a conversion could not carry: nothing is dropped silently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(slots=True, frozen=True)
class Loss:
    """One field that did not survive conversion intact."""

    action: Literal["dropped", "coerced"]
    """``dropped``: gone; ``coerced``: changed to the nearest equivalent."""
    field: str
    """Wire field name in the source format (or the IR concept)."""
    note: str
    """Why, or what it became."""


class LossReport:
    """Collects losses; each (action, field) is recorded once, in order of first occurrence."""

    __slots__ = ("_seen", "items")

    def __init__(self) -> None:
        self.items: list[Loss] = []
        self._seen: set[tuple[str, str]] = set()

    def dropped(self, field: str, reason: str) -> None:
        """Record a field the target cannot carry."""
        self._add(Loss("dropped", field, reason))

    def coerced(self, field: str, note: str) -> None:
        """Record a field changed to the target's nearest equivalent."""
        self._add(Loss("coerced", field, note))

    def extend(self, other: LossReport) -> None:
        """Take over another report's losses (the attempt that succeeded)."""
        for loss in other.items:
            self._add(loss)

    def _add(self, loss: Loss) -> None:
        key = (loss.action, loss.field)
        if key not in self._seen:
            self._seen.add(key)
            self.items.append(loss)

    def fields(self, action: Literal["dropped", "coerced"] | None = None) -> list[str]:
        """Field names, optionally of one action only."""
        return [loss.field for loss in self.items if action is None or loss.action == action]

    def to_dict(self) -> dict[str, list[dict[str, str]]]:
        """``{"dropped": [{"field", "reason"}], "coerced": [{"field", "note"}]}`` for the log row."""
        return {
            "dropped": [
                {"field": loss.field, "reason": loss.note}
                for loss in self.items
                if loss.action == "dropped"
            ],
            "coerced": [
                {"field": loss.field, "note": loss.note}
                for loss in self.items
                if loss.action == "coerced"
            ],
        }

    def header_value(self) -> str:
        """Compact form for ``X-RelayGate-Losses``: ``dropped=a,b; coerced=c``."""
        parts = []
        actions: tuple[Literal["dropped", "coerced"], ...] = ("dropped", "coerced")
        for action in actions:
            names = self.fields(action)
            if names:
                parts.append(f"{action}={','.join(names)}")
        return "; ".join(parts)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"LossReport({self.items!r})"
