"""Builds the process runtime on start-up and takes it down on shutdown (flushing the log ledger)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI

from relaygate.auth import http as auth_http
from relaygate.cache.bus import create_bus
from relaygate.config import Settings
from relaygate.db.migrate import upgrade_to_head
from relaygate.db.session import Database
from relaygate.jobs.runner import Job, JobRunner
from relaygate.jobs.task_polling import task_polling_job
from relaygate.kit.crypto import SecretBox
from relaygate.options import repository as options_repository
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.relay.service import RelayService
from relaygate.relay.tasks import TaskUpstreamClient
from relaygate.runtime import TOPIC_OPTIONS, OptionsHolder, Runtime
from relaygate.stats import service as stats_service

log = logging.getLogger(__name__)


async def _connect_redis(url: str | None) -> Any | None:
    if not url:
        return None
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    await client.ping()
    return client


async def reload_options(runtime: Runtime) -> None:
    """Rebuild the options snapshot from the table."""
    async with runtime.database.reader() as session:
        stored = await options_repository.load_all(session)
    runtime.options.current = OptionsSnapshot.build(stored)


async def build_runtime(settings: Settings) -> Runtime:
    """Database (migrated on the master node), Redis, change bus, secrets, options."""
    database = Database(settings.database_url, pool_size=settings.sql_max_open_conns)
    if settings.is_master:
        await upgrade_to_head(database)
    redis = await _connect_redis(settings.redis_conn_string)
    runtime = Runtime(
        settings=settings,
        database=database,
        bus=create_bus(redis),
        secrets=SecretBox(settings.crypto_key),
        options=OptionsHolder(),
        redis=redis,
    )
    await reload_options(runtime)

    async def on_change(topic: str, _payload: str) -> None:
        if topic == TOPIC_OPTIONS:
            await reload_options(runtime)

    runtime.bus.subscribe(on_change)
    await runtime.bus.start()
    return runtime


async def _aggregate_quota_data(runtime: Runtime) -> None:
    await stats_service.catch_up(runtime.database)


async def _periodic_sync(runtime: Runtime, relay: RelayService) -> None:
    # Safety net for multi-node deployments without Redis (new-api's SYNC_FREQUENCY).
    while True:
        await asyncio.sleep(max(1, runtime.settings.sync_frequency))
        try:
            await reload_options(runtime)
            await relay.reload()
        except Exception:
            log.exception("periodic cache sync failed")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the runtime and relay services; on shutdown drain the ledger so no log row is lost."""
    settings: Settings = app.state.settings
    runtime = await build_runtime(settings)
    relay = RelayService(runtime)
    await relay.start()
    app.state.runtime = runtime
    app.state.relay = relay
    jobs = JobRunner(
        runtime,
        [
            task_polling_job(runtime, TaskUpstreamClient(relay)),
            # hourly quota_data buckets: the dashboard charts and wide log stats read them
            Job("quota_data", 60.0, partial(_aggregate_quota_data, runtime)),
        ],
    )
    await jobs.start()
    sync_task = asyncio.create_task(_periodic_sync(runtime, relay))
    try:
        yield
    finally:
        await jobs.close()
        sync_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sync_task
        await relay.close()
        await auth_http.close()
        await runtime.bus.close()
        if runtime.redis is not None:
            await runtime.redis.aclose()
        await runtime.database.dispose()
