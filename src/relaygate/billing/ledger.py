"""The ledger: settlements and their log rows, written off the hot path in batches.

Each settlement carries what was reserved and what the call really cost. One writer task
drains a bounded queue and applies a batch in one transaction: the balance corrections
(refund of reserved − actual, used_quota, request_count, channel used_quota) and the log rows
together, so the sum of consume rows always equals used_quota. A full queue makes producers
wait instead of dropping rows; shutdown drains the queue; a batch the database refuses is
retried, and on shutdown it is spilled to a JSON-lines file rather than lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relaygate.billing.quota_store import QuotaStore
from relaygate.db.models.log import LOG_TYPE_CONSUME
from relaygate.kit import clock, jsonx

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Settlement:
    """The outcome of one relayed call."""

    user_id: int
    token_id: int
    unlimited: bool
    channel_id: int
    reserved: int
    actual: int
    log_row: dict[str, Any] | None = None
    """Column values for the ``logs`` row, or None when no row is written."""
    counts_request: bool = True
    """Whether the call adds to the user's request_count (successful calls)."""


@dataclass(slots=True)
class _Batch:
    users: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    tokens: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    channels: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    rows: list[dict[str, Any]] = field(default_factory=list)
    items: list[Settlement] = field(default_factory=list)

    def add(self, item: Settlement) -> None:
        self.items.append(item)
        refund = item.reserved - item.actual
        user = self.users[item.user_id]
        user[0] += refund
        user[1] += item.actual
        user[2] += 1 if item.counts_request else 0
        if item.token_id:
            token = self.tokens[item.token_id]
            token[0] += 0 if item.unlimited else refund
            token[1] += item.actual
        if item.channel_id and item.actual:
            self.channels[item.channel_id] += item.actual
        if item.log_row is not None:
            self.rows.append(item.log_row)


class Ledger:
    """A bounded queue and the single writer that empties it."""

    def __init__(
        self,
        store: QuotaStore,
        *,
        batch_size: int = 200,
        flush_interval: float = 0.5,
        queue_size: int = 100_000,
        spill_dir: Path | None = None,
    ) -> None:
        self._store = store
        self._batch_size = batch_size
        self._interval = flush_interval
        self._queue: asyncio.Queue[Settlement] = asyncio.Queue(maxsize=queue_size)
        self._spill_dir = spill_dir
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._pending = 0
        self._drained = asyncio.Event()
        self._drained.set()
        self.written_rows = 0

    async def start(self) -> None:
        """Start the writer task."""
        self._task = asyncio.create_task(self._run(), name="ledger-writer")

    async def submit(self, item: Settlement) -> None:
        """Queue one settlement; waits when the queue is full (back-pressure, never a drop)."""
        self._pending += 1
        self._drained.clear()
        await self._queue.put(item)

    async def flush(self) -> None:
        """Wait until everything queued so far is written (tests and shutdown)."""
        await self._drained.wait()

    async def close(self) -> None:
        """Drain the queue, write the last batch, stop the writer."""
        self._closing = True
        if self._task is not None:
            await self._queue.put(Settlement(0, 0, True, 0, 0, 0, None, False))  # wake-up
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            items = await self._take()
            real = [item for item in items if item.user_id]
            if real:
                await self._write(real)
                self._pending -= len(real)
                if self._pending <= 0:
                    self._pending = 0
                    self._drained.set()
            if self._closing and self._queue.empty():
                return

    async def _take(self) -> list[Settlement]:
        first = await self._queue.get()
        items = [first]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._interval
        while len(items) < self._batch_size:
            try:
                items.append(self._queue.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            if self._closing:
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                items.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        return items

    async def _write(self, items: list[Settlement]) -> None:
        batch = _Batch()
        for item in items:
            batch.add(item)
        delay = 0.2
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._apply(batch)
                self.written_rows += len(batch.rows)
                return
            except Exception:
                log.exception("ledger batch of %d failed (attempt %d)", len(items), attempt)
                if self._closing and attempt >= 3:
                    self._spill(batch)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _apply(self, batch: _Batch) -> None:
        now = clock.now()
        users = [
            {"b_id": uid, "b_refund": v[0], "b_used": v[1], "b_count": v[2]}
            for uid, v in sorted(batch.users.items())
        ]
        tokens = [
            {"b_id": tid, "b_refund": v[0], "b_used": v[1], "b_now": now}
            for tid, v in sorted(batch.tokens.items())
        ]
        channels = [{"b_id": cid, "b_used": used} for cid, used in sorted(batch.channels.items())]
        await self._store.settle(users, tokens, channels, batch.rows)

    def _spill(self, batch: _Batch) -> None:
        if self._spill_dir is None:
            log.error("ledger lost %d settlements: no spill directory", len(batch.items))
            return
        self._spill_dir.mkdir(parents=True, exist_ok=True)
        path = self._spill_dir / f"ledger-spill-{clock.now()}.jsonl"
        with path.open("ab") as handle:
            for item in batch.items:
                handle.write(
                    jsonx.dumps(
                        {
                            "user_id": item.user_id,
                            "token_id": item.token_id,
                            "unlimited": item.unlimited,
                            "channel_id": item.channel_id,
                            "reserved": item.reserved,
                            "actual": item.actual,
                            "log_row": item.log_row,
                            "counts_request": item.counts_request,
                        }
                    )
                    + b"\n"
                )
        log.error("ledger spilled %d settlements to %s", len(batch.items), path)


def consume_row(
    *,
    user_id: int,
    username: str,
    token_id: int,
    token_name: str,
    channel_id: int,
    model: str,
    quota: int,
    prompt_tokens: int,
    completion_tokens: int,
    use_time: int,
    is_stream: bool,
    group: str,
    ip: str,
    request_id: str,
    content: str,
    other: dict[str, Any],
    log_type: int = LOG_TYPE_CONSUME,
) -> dict[str, Any]:
    """Column values for one ``logs`` row."""
    return {
        "user_id": user_id,
        "created_at": clock.now(),
        "type": log_type,
        "content": content,
        "username": username,
        "token_name": token_name,
        "model_name": model,
        "quota": quota,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "use_time": use_time,
        "is_stream": is_stream,
        "channel_id": channel_id,
        "token_id": token_id,
        "group": group,
        "ip": ip,
        "request_id": request_id,
        "other": jsonx.dumps_str(other),
    }
