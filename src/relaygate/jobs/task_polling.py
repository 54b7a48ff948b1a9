"""The task poller: brings unfinished Midjourney, video and Suno tasks up to date from their
channels, with back-off, and refunds a task that fails (new-api controller/midjourney.go
``UpdateMidjourneyTaskBulk`` and service/task_polling.go).

Each task is asked about when due: at once when first seen, then after ``interval`` ×
2^(polls without news), capped at ``max_backoff``; any news (status or progress) resets it.
A status change is a compare-and-set on the row, and the refund of a failed task (user and
token balance plus a refund log row) commits in the same transaction, so a task's quota is
given back exactly once even when pollers race or the process dies mid-way.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.billing import repository as billing_repository
from relaygate.billing.ledger import consume_row
from relaygate.db.models.log import LOG_TYPE_REFUND
from relaygate.db.models.midjourney import Midjourney
from relaygate.db.models.task import (
    TASK_FINISHED,
    TASK_STATUS_FAILURE,
    TASK_STATUS_IN_PROGRESS,
    TASK_STATUS_SUCCESS,
    Task,
)
from relaygate.db.session import Database
from relaygate.errors import RelayGateError
from relaygate.jobs.runner import Job
from relaygate.kit import clock, jsonx
from relaygate.providers.base import ChannelTarget
from relaygate.runtime import Runtime
from relaygate.tasks_admin import repository
from relaygate.tasks_admin.schemas import TaskUpdate

log = logging.getLogger(__name__)

MJ_TIMEOUT_MS = 3_600_000
"""new-api fails a Midjourney task still unfinished after an hour."""


class PollingSettings(BaseSettings):
    """Poller settings from the environment (new-api names where it has them)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    interval: float = Field(15.0, validation_alias="TASK_POLLING_INTERVAL")
    """Seconds between the first polls of a task (new-api polls every 15 s)."""
    max_backoff: float = Field(300.0, validation_alias="TASK_POLLING_MAX_BACKOFF")
    timeout_minutes: int = Field(1440, validation_alias="TASK_TIMEOUT_MINUTES")
    """Video/Suno tasks unfinished this long fail (and are refunded); 0 disables."""


class TaskUpstream(Protocol):
    """What the poller needs from the relay (relay/tasks ``TaskUpstreamClient``)."""

    def channel(self, channel_id: int) -> ChannelTarget | None: ...

    async def midjourney_status(
        self, target: ChannelTarget, mj_ids: list[str]
    ) -> list[dict[str, Any]]: ...

    async def task_status(
        self, target: ChannelTarget, tasks: list[Task]
    ) -> dict[int, TaskUpdate]: ...


@dataclass(slots=True)
class _Schedule:
    next_at: float = 0.0
    quiet_polls: int = 0


@dataclass(frozen=True, slots=True)
class Refund:
    """Quota to give back with the row's status change."""

    user_id: int
    token_id: int
    token_unlimited: bool
    quota: int
    channel_id: int
    model: str
    task_id: str
    reason: str
    group: str = ""


async def refund_in(session: AsyncSession, refund: Refund) -> None:
    """Give ``refund.quota`` back to the user (and token) and log it, in ``session``'s transaction."""
    now = clock.now()
    users = [{"b_id": refund.user_id, "b_refund": refund.quota, "b_used": 0, "b_count": 0}]
    tokens = (
        [{"b_id": refund.token_id, "b_refund": refund.quota, "b_used": 0, "b_now": now}]
        if refund.token_id and not refund.token_unlimited
        else []
    )
    row = consume_row(
        user_id=refund.user_id,
        username="",
        token_id=refund.token_id,
        token_name="",
        channel_id=refund.channel_id,
        model=refund.model,
        quota=refund.quota,
        prompt_tokens=0,
        completion_tokens=0,
        use_time=0,
        is_stream=False,
        group=refund.group,
        ip="",
        request_id="",
        content="",
        other={"task_id": refund.task_id, "reason": refund.reason},
        log_type=LOG_TYPE_REFUND,
    )
    connection = await session.connection()
    await billing_repository.apply_settlements(connection, users, tokens, [], [row])


class TaskPoller:
    """One ``run_once`` per runner tick; only due tasks reach their upstream."""

    def __init__(self, database: Database, upstream: TaskUpstream, settings: PollingSettings):
        self.database = database
        self.upstream = upstream
        self.settings = settings
        self._schedule: dict[str, _Schedule] = {}
        self.refunds = 0

    def _due(self, key: str, now: float) -> bool:
        return self._schedule.setdefault(key, _Schedule(next_at=now)).next_at <= now

    def _after(self, key: str, news: bool) -> None:
        entry = self._schedule.setdefault(key, _Schedule())
        entry.quiet_polls = 0 if news else entry.quiet_polls + 1
        delay = self.settings.interval * 2 ** min(entry.quiet_polls, 10)
        entry.next_at = clock.monotonic() + min(delay, self.settings.max_backoff)

    async def run_once(self) -> None:
        """Poll every due unfinished task once."""
        async with self.database.reader() as session:
            midjourneys = await repository.unfinished_midjourneys(session)
            tasks = await repository.unfinished_tasks(session)
        live = {f"mj:{m.id}" for m in midjourneys} | {f"task:{t.id}" for t in tasks}
        for key in set(self._schedule) - live:
            del self._schedule[key]
        now = clock.monotonic()
        await self._poll_midjourneys([m for m in midjourneys if self._due(f"mj:{m.id}", now)])
        await self._poll_tasks([t for t in tasks if self._due(f"task:{t.id}", now)])

    # -- Midjourney -------------------------------------------------------------------------

    async def _poll_midjourneys(self, rows: list[Midjourney]) -> None:
        by_channel: dict[int, list[Midjourney]] = defaultdict(list)
        for row in rows:
            if not row.mj_id:
                # never accepted upstream: nothing to ask, nothing was charged for it
                await self._set_mj(row, {"status": "FAILURE", "progress": "100%"}, None)
                continue
            by_channel[row.channel_id].append(row)
        for channel_id, batch in by_channel.items():
            target = self.upstream.channel(channel_id)
            if target is None:
                for row in batch:
                    self._after(f"mj:{row.id}", news=False)
                continue
            try:
                items = await self.upstream.midjourney_status(target, [r.mj_id for r in batch])
            except RelayGateError as error:
                log.warning("midjourney poll of channel %s failed: %s", channel_id, error.message)
                for row in batch:
                    self._after(f"mj:{row.id}", news=False)
                continue
            found = {str(item.get("id")): item for item in items}
            for row in batch:
                item = found.get(row.mj_id)
                if item is None:
                    self._after(f"mj:{row.id}", news=False)
                    continue
                await self._apply_mj(row, item)

    async def _apply_mj(self, row: Midjourney, item: dict[str, Any]) -> None:
        def text(name: str) -> str:
            value = item.get(name)
            return value if isinstance(value, str) else ""

        def number(name: str) -> int:
            value = item.get(name)
            return value if isinstance(value, int) else 0

        status, fail_reason, progress = text("status"), text("failReason"), text("progress")
        if clock.now() * 1000 - row.submit_time > MJ_TIMEOUT_MS and row.progress != "100%":
            status, fail_reason = "FAILURE", "上游任务超时（超过1小时）"
        values: dict[str, Any] = {
            "code": 1,
            "progress": progress,
            "prompt_en": text("promptEn"),
            "state": text("state"),
            "submit_time": number("submitTime") or row.submit_time,
            "start_time": number("startTime"),
            "finish_time": number("finishTime"),
            "image_url": text("imageUrl"),
            "video_url": text("videoUrl"),
            "status": status,
            "fail_reason": fail_reason,
        }
        for column, name in (("properties", "properties"), ("buttons", "buttons")):
            if item.get(name) is not None:
                values[column] = jsonx.dumps_str(item[name])
        urls = item.get("videoUrls")
        values["video_urls"] = jsonx.dumps_str(urls) if isinstance(urls, list) and urls else ""
        failed = (progress != "100%" and bool(fail_reason)) or (
            progress == "100%" and status == "FAILURE"
        )
        if failed:
            values["progress"] = "100%"
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if not changed and row.code == 1:
            self._after(f"mj:{row.id}", news=False)
            return
        refund = None
        if failed and row.quota:
            refund = Refund(
                user_id=row.user_id,
                token_id=0,  # midjourneys keeps no token: the user is refunded, as in new-api
                token_unlimited=True,
                quota=row.quota,
                channel_id=row.channel_id,
                model="swap_face" if row.action == "SWAP_FACE" else "mj_" + row.action.lower(),
                task_id=row.mj_id,
                reason="构图失败",
            )
        await self._set_mj(row, values, refund)
        self._after(f"mj:{row.id}", news="progress" in changed or "status" in changed)

    async def _set_mj(self, row: Midjourney, values: dict[str, Any], refund: Refund | None) -> None:
        async with self.database.unit_of_work() as session:
            won = await repository.set_midjourney(session, row.id, row.status, values)
            if won and refund is not None:
                await refund_in(session, refund)
                self.refunds += 1
        if not won:
            log.info("midjourney task %s changed under us; skipped", row.mj_id)

    # -- video and Suno -----------------------------------------------------------------------

    async def _poll_tasks(self, rows: list[Task]) -> None:
        by_channel: dict[int, list[Task]] = defaultdict(list)
        for row in rows:
            if self._timed_out(row):
                reason = f"任务超时（{self.settings.timeout_minutes}分钟）"
                await self._apply_task(
                    row, TaskUpdate(status=TASK_STATUS_FAILURE, fail_reason=reason)
                )
                continue
            if not (row.private_data or {}).get("upstream_task_id"):
                await self._set_task(row, {"status": TASK_STATUS_FAILURE, "progress": "100%"}, None)
                continue
            by_channel[row.channel_id].append(row)
        for channel_id, batch in by_channel.items():
            target = self.upstream.channel(channel_id)
            if target is None:
                for row in batch:
                    self._after(f"task:{row.id}", news=False)
                continue
            try:
                updates = await self.upstream.task_status(target, batch)
            except RelayGateError as error:
                log.warning("task poll of channel %s failed: %s", channel_id, error.message)
                for row in batch:
                    self._after(f"task:{row.id}", news=False)
                continue
            for row in batch:
                update = updates.get(row.id)
                if update is None:
                    self._after(f"task:{row.id}", news=False)
                else:
                    await self._apply_task(row, update)

    def _timed_out(self, row: Task) -> bool:
        minutes = self.settings.timeout_minutes
        return minutes > 0 and row.submit_time > 0 and clock.now() - row.submit_time > minutes * 60

    async def _apply_task(self, row: Task, update: TaskUpdate) -> None:
        now = clock.now()
        status = update.status or row.status
        values: dict[str, Any] = {"status": status}
        if update.progress:
            values["progress"] = update.progress
        if update.fail_reason is not None:
            values["fail_reason"] = update.fail_reason
        if update.data is not None:
            values["data"] = update.data
        if update.start_time:
            values["start_time"] = update.start_time
        elif status == TASK_STATUS_IN_PROGRESS and not row.start_time:
            values["start_time"] = now
        if status in TASK_FINISHED:
            values["progress"] = "100%"
            values["finish_time"] = update.finish_time or now
        if update.result_url:
            values["private_data"] = {**(row.private_data or {}), "result_url": update.result_url}
        news = status != row.status or values.get("progress", row.progress) != row.progress
        refund = None
        if status == TASK_STATUS_FAILURE and row.quota:
            private = row.private_data or {}
            refund = Refund(
                user_id=row.user_id,
                token_id=int(private.get("token_id") or 0),
                token_unlimited=bool(private.get("token_unlimited")),
                quota=row.quota,
                channel_id=row.channel_id,
                model=str((row.properties or {}).get("origin_model_name") or ""),
                task_id=row.task_id,
                reason=str(values.get("fail_reason") or row.fail_reason),
                group=row.group,
            )
        values["updated_at"] = now
        await self._set_task(row, values, refund)
        self._after(f"task:{row.id}", news=news)

    async def _set_task(self, row: Task, values: dict[str, Any], refund: Refund | None) -> None:
        async with self.database.unit_of_work() as session:
            won = await repository.set_task(session, row.id, row.status, values)
            if won and refund is not None:
                await refund_in(session, refund)
                self.refunds += 1
        if not won:
            log.info("task %s changed under us; skipped", row.task_id)
        elif values.get("status") == TASK_STATUS_SUCCESS:
            log.info("task %s succeeded", row.task_id)


def task_polling_job(runtime: Runtime, upstream: TaskUpstream) -> Job:
    """The poller as a runner job (it ticks often; each task is asked only when due)."""
    settings = PollingSettings()
    poller = TaskPoller(runtime.database, upstream, settings)
    tick = max(0.05, min(settings.interval, 5.0))
    return Job("task_polling", tick, poller.run_once)
