"""Test channels and act on the result: record response time, auto-disable, auto-enable.

``GET /api/channel/test/{id}`` runs one test in the request; ``GET /api/channel/test`` hands
every channel to a :class:`ProbeRunner`, which tests them in the background with bounded
concurrency and refuses a second run while one is going (new-api: "测试已在运行中").
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace

from relaygate.channels import multikey, probe, repository, service
from relaygate.db.models.channel import (
    CHANNEL_STATUS_AUTO_DISABLED,
    CHANNEL_STATUS_ENABLED,
    CHANNEL_STATUS_MANUALLY_DISABLED,
    Channel,
)
from relaygate.errors import ApiRefused
from relaygate.kit import clock
from relaygate.providers.transport import Transport
from relaygate.runtime import TOPIC_CHANNELS, Runtime

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 4
UNSUPPORTED_TEST_TYPES = frozenset({2, 5, 36})
"""Midjourney, Midjourney Plus, Suno: no chat endpoint to test."""


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """A test result plus what was done about it."""

    result: probe.ProbeResult
    disabled: bool = False
    enabled: bool = False


def _threshold_ms(runtime: Runtime) -> int:
    try:
        seconds = float(runtime.options.current.get("ChannelDisableThreshold", "5"))
    except ValueError:
        seconds = 5.0
    return int(seconds * 1000) if seconds > 0 else 0


async def run_test(
    runtime: Runtime,
    transport: Transport,
    channel: Channel,
    *,
    model: str = "",
    check_threshold: bool = False,
) -> TestOutcome:
    """Test one channel; store response and test time; disable or re-enable as options say.

    ``check_threshold`` (the test-all run) also treats an answer slower than
    ``ChannelDisableThreshold`` seconds as a failure, as new-api does.
    """
    name = probe.model_for(channel, model)
    if channel.type in UNSUPPORTED_TEST_TYPES:
        return TestOutcome(probe.ProbeResult(False, 0, name, "该渠道类型不支持测试", reached=False))
    try:
        key_index, key = probe.pick_test_key(channel, runtime.secrets)
    except multikey.NoEnabledKey as exc:
        return TestOutcome(probe.ProbeResult(False, 0, name, str(exc), reached=False))
    target = probe.channel_target(channel, key)
    result = await probe.probe(target, transport, name, key_index=key_index)
    options = runtime.options.current
    disable = probe.should_disable(result, options.get("AutomaticDisableKeywords"))
    threshold = _threshold_ms(runtime)
    if check_threshold and result.ok and threshold and result.elapsed_ms > threshold:
        seconds = result.elapsed_ms / 1000
        message = f"响应时间 {seconds:.2f}s 超过阈值 {threshold / 1000:.2f}s"
        result = replace(result, ok=False, message=message, error_code="response_time_exceeded")
        disable = True
    disabled = enabled = False
    async with runtime.database.unit_of_work() as session:
        await repository.record_test(
            session, channel.id, response_time=result.elapsed_ms, test_time=clock.now()
        )
        auto_ban = (channel.auto_ban if channel.auto_ban is not None else 1) == 1
        if (
            disable
            and options.auto_disable
            and auto_ban
            and channel.status == CHANNEL_STATUS_ENABLED
        ):
            disabled = await service.apply_status(
                session,
                channel.id,
                CHANNEL_STATUS_AUTO_DISABLED,
                key_index=result.key_index,
                reason=result.message,
            )
        elif result.ok and options.auto_enable and channel.status == CHANNEL_STATUS_AUTO_DISABLED:
            enabled = await service.apply_status(
                session, channel.id, CHANNEL_STATUS_ENABLED, key_index=result.key_index
            )
    if disabled or enabled:
        await runtime.changed(TOPIC_CHANNELS)
    return TestOutcome(result, disabled=disabled, enabled=enabled)


async def probe_one(
    runtime: Runtime, transport: Transport, channel_id: int, *, model: str
) -> TestOutcome:
    """``GET /api/channel/test/{id}``."""
    async with runtime.database.reader() as session:
        channel = await repository.get(session, channel_id)
    if channel is None:
        raise ApiRefused(service.NOT_FOUND)
    return await run_test(runtime, transport, channel, model=model)


class ProbeRunner:
    """At most one test-all run at a time; its task is kept so it is not garbage-collected."""

    def __init__(self, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self._concurrency = max(1, concurrency)
        self._task: asyncio.Task[int] | None = None

    @property
    def running(self) -> bool:
        """Whether a run is in progress."""
        return self._task is not None and not self._task.done()

    def start(self, runtime: Runtime, transport: Transport) -> None:
        """Begin testing every channel but manually disabled ones; returns at once."""
        if self.running:
            raise ApiRefused("测试已在运行中")
        self._task = asyncio.create_task(self._run(runtime, transport), name="channel-test-all")

    async def wait(self) -> int:
        """Wait for the current run (if any); returns how many channels it tested."""
        return await self._task if self._task is not None else 0

    async def _run(self, runtime: Runtime, transport: Transport) -> int:
        async with runtime.database.reader() as session:
            channels = [
                channel
                for channel in await repository.all_channels(session)
                if channel.status != CHANNEL_STATUS_MANUALLY_DISABLED
            ]
        gate = asyncio.Semaphore(self._concurrency)

        async def one(channel: Channel) -> None:
            async with gate:
                try:
                    await run_test(runtime, transport, channel, check_threshold=True)
                except Exception:  # one broken channel must not end the run
                    log.exception("testing channel %s failed", channel.id)

        async with asyncio.TaskGroup() as group:
            for channel in channels:
                group.create_task(one(channel))
        return len(channels)
