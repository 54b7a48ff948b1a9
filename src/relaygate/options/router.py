"""/api/option (root): read and change console options; a change reloads every node's snapshot."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from relaygate.auth.deps import DbSession, RootCaller, RuntimeDep
from relaygate.kit.envelope import Envelope
from relaygate.options import service
from relaygate.options.schemas import OptionPublic, OptionUpdate
from relaygate.runtime import TOPIC_OPTIONS

router = APIRouter(prefix="/api/option", tags=["options"])


@router.get("/")
async def list_options(session: DbSession, _: RootCaller) -> Envelope[list[OptionPublic]]:
    """Every option as ``{key, value}``; secrets are never listed."""
    return Envelope[list[OptionPublic]](data=await service.list_options(session))


@router.put("/")
async def update_option(body: OptionUpdate, runtime: RuntimeDep, _: RootCaller) -> Envelope[Any]:
    """Validate and store one option, then announce it."""
    async with runtime.database.unit_of_work() as session:
        await service.update(session, body)
    await runtime.changed(TOPIC_OPTIONS, body.key.strip())
    return Envelope.ok()
