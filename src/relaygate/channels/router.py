"""/api/channel (admin). Writes commit first, then announce TOPIC_CHANNELS so routing reloads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from relaygate.auth.deps import AdminCaller, DbSession, RuntimeDep
from relaygate.channels import repository, service
from relaygate.channels.repository import ChannelQuery
from relaygate.channels.schemas import (
    ChannelAddRequest,
    ChannelPage,
    ChannelPublic,
    ChannelUpdate,
    ModelEntry,
)
from relaygate.kit.envelope import Envelope
from relaygate.misc.paging import PageParams, PageQuery
from relaygate.runtime import TOPIC_CHANNELS

router = APIRouter(prefix="/api/channel", tags=["channels"])


def _truthy(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "t", "yes")


def _type_filter(raw: str) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@router.get("/")
async def list_channels(
    page: PageParams,
    session: DbSession,
    _: AdminCaller,
    id_sort: str = "",
    tag_mode: str = "",
    group: str = "",
    status: str = "",
    type: str = "",
    sort_by: str = "",
    sort_order: str = "",
) -> Envelope[ChannelPage]:
    """A page of channels, keys blanked."""
    query = ChannelQuery(
        group="" if group.lower() in ("all", "null") else group.strip(),
        status=status,
        type=_type_filter(type),
        sort_by=sort_by,
        sort_order=sort_order,
        id_sort=_truthy(id_sort),
    )
    return Envelope[ChannelPage](
        data=await service.list_channels(session, query, page, tag_mode=_truthy(tag_mode))
    )


@router.get("/search")
async def search_channels(
    session: DbSession,
    _: AdminCaller,
    keyword: str = "",
    group: str = "",
    model: str = "",
    status: str = "",
    type: str = "",
    id_sort: str = "",
    sort_by: str = "",
    sort_order: str = "",
    p: int = 1,
    page_size: int = 20,
) -> Envelope[ChannelPage]:
    """Channels matching a keyword (id, name, base URL, tag) and a model substring."""
    query = ChannelQuery(
        group=group.strip(),
        status=status,
        type=_type_filter(type),
        sort_by=sort_by,
        sort_order=sort_order,
        id_sort=_truthy(id_sort),
    )
    page = PageQuery.of(p, page_size, default_size=20)
    return Envelope[ChannelPage](
        data=await service.search_channels(
            session, query, page, keyword=keyword.strip(), model=model.strip()
        )
    )


@router.get("/models")
async def list_models(
    runtime: RuntimeDep, session: DbSession, _: AdminCaller
) -> Envelope[list[ModelEntry]]:
    """Models the console can offer: every priced model plus every model a channel serves."""
    known = list(runtime.options.current.model_ratio) + list(runtime.options.current.model_price)
    known += await repository.enabled_models(session)
    return Envelope[list[ModelEntry]](data=service.known_models(known))


@router.get("/models_enabled")
async def list_enabled_models(session: DbSession, _: AdminCaller) -> Envelope[list[str]]:
    """Models at least one enabled channel serves."""
    return Envelope[list[str]](data=await repository.enabled_models(session))


@router.get("/{channel_id}")
async def get_channel(
    channel_id: int, session: DbSession, _: AdminCaller
) -> Envelope[ChannelPublic]:
    """One channel, key blanked."""
    return Envelope[ChannelPublic](data=await service.get(session, channel_id))


@router.post("/")
async def add_channel(
    body: ChannelAddRequest, runtime: RuntimeDep, _: AdminCaller
) -> Envelope[Any]:
    """Create one channel, or one per key line in ``batch`` mode; data lists the new ids."""
    async with runtime.database.unit_of_work() as session:
        channels = await service.create(session, body, runtime.secrets)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope.ok([channel.id for channel in channels])


@router.put("/")
async def update_channel(
    body: ChannelUpdate, runtime: RuntimeDep, _: AdminCaller
) -> Envelope[ChannelPublic]:
    """Partially update a channel; an empty key keeps the stored one."""
    async with runtime.database.unit_of_work() as session:
        channel = await service.update(session, body, runtime.secrets)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope[ChannelPublic](data=service.public(channel))


@router.delete("/{channel_id}")
async def delete_channel(channel_id: int, runtime: RuntimeDep, _: AdminCaller) -> Envelope[Any]:
    """Delete a channel and its abilities."""
    async with runtime.database.unit_of_work() as session:
        await service.delete(session, channel_id)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope.ok()
