"""Async tasks: Midjourney (mj.py), video (video.py: Sora and /v1/video/generations) and Suno
(suno.py) submissions, fetches and upstream status checks."""

from __future__ import annotations

from typing import Any

from relaygate.db.models.task import PLATFORM_SUNO, Task
from relaygate.providers.base import ChannelTarget
from relaygate.relay.service import RelayService
from relaygate.relay.tasks import mj, suno, video
from relaygate.tasks_admin.schemas import TaskUpdate


def register(routes: Any) -> None:
    """Add every task route to the fast lane's table."""
    mj.register(routes)
    video.register(routes)
    suno.register(routes)


class TaskUpstreamClient:
    """How the polling job (jobs/task_polling.py) asks channels about their tasks."""

    def __init__(self, service: RelayService) -> None:
        self.service = service

    def channel(self, channel_id: int) -> ChannelTarget | None:
        """The enabled channel a task runs on, or None."""
        return self.service.routing.targets.get(channel_id)

    async def midjourney_status(
        self, target: ChannelTarget, mj_ids: list[str]
    ) -> list[dict[str, Any]]:
        """midjourney-proxy's view of these tasks."""
        return await mj.poll(self.service, target, mj_ids)

    async def task_status(self, target: ChannelTarget, tasks: list[Task]) -> dict[int, TaskUpdate]:
        """What the channel says about each task, keyed by row id (missing: no news)."""
        suno_tasks = [t for t in tasks if t.platform == PLATFORM_SUNO]
        updates: dict[int, TaskUpdate] = {}
        if suno_tasks:
            by_upstream = {
                str((t.private_data or {}).get("upstream_task_id")): t for t in suno_tasks
            }
            for upstream_id, update in (
                await suno.poll(self.service, target, list(by_upstream))
            ).items():
                if upstream_id in by_upstream:
                    updates[by_upstream[upstream_id].id] = update
        for task in tasks:
            if task.platform != PLATFORM_SUNO:
                updates[task.id] = await video.poll(self.service, target, task)
        return updates


__all__ = ["TaskUpstreamClient", "register"]
