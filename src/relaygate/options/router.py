"""/api/option (root): read and change console options; a change reloads every node's snapshot."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from relaygate.auth.deps import DbSession, RootCaller, RuntimeDep
from relaygate.kit.envelope import Envelope
from relaygate.options import service
from relaygate.options.schemas import OptionPublic, OptionsBulkUpdate, OptionUpdate
from relaygate.runtime import TOPIC_OPTIONS

router = APIRouter(prefix="/api/option", tags=["options"])


@router.get("/")
async def list_options(session: DbSession, _: RootCaller) -> Envelope[list[OptionPublic]]:
    """Every option as ``{key, value}`` plus CompletionRatioMeta; secrets are never listed."""
    return Envelope[list[OptionPublic]](data=await service.list_options(session))


@router.put("/")
async def update_option(body: OptionUpdate, runtime: RuntimeDep, _: RootCaller) -> Envelope[Any]:
    """Validate and store one option, then announce it."""
    async with runtime.database.unit_of_work() as session:
        key = await service.update(session, body)
    await runtime.changed(TOPIC_OPTIONS, key)
    return Envelope.ok()


@router.put("/bulk")
async def update_options(
    body: OptionsBulkUpdate, runtime: RuntimeDep, _: RootCaller
) -> Envelope[Any]:
    """Validate and store several options at once (only keys new-api allows in bulk)."""
    async with runtime.database.unit_of_work() as session:
        keys = await service.update_bulk(session, body.options)
    for key in keys:
        await runtime.changed(TOPIC_OPTIONS, key)
    return Envelope.ok()


@router.post("/rest_model_ratio")
async def reset_model_ratio(runtime: RuntimeDep, _: RootCaller) -> Envelope[Any]:
    """Put ModelRatio back to the built-in defaults (new-api's route name, typo included)."""
    async with runtime.database.unit_of_work() as session:
        await service.reset_model_ratio(session)
    await runtime.changed(TOPIC_OPTIONS, "ModelRatio")
    return Envelope.ok(message="重置模型倍率成功")
