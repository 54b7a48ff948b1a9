"""SQL for the catalog: model and vendor metadata, prefill groups, and the abilities they describe.

Metadata rows are soft-deleted (``deleted_at``), as gorm does; every read skips deleted rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.ability import Ability
from relaygate.db.models.channel import Channel
from relaygate.db.models.model_meta import ModelMeta
from relaygate.db.models.prefill_group import PrefillGroup
from relaygate.db.models.vendor import Vendor
from relaygate.kit import clock


@dataclass(frozen=True, slots=True)
class EnabledAbility:
    """One enabled (group, model, channel) and the channel's type."""

    group: str
    model: str
    channel_id: int
    channel_type: int


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _like(keyword: str) -> str:
    escaped = keyword.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


# ---------------------------------------------------------------------------- abilities


async def enabled_abilities(session: AsyncSession) -> list[EnabledAbility]:
    """Every enabled ability with its channel's type (new-api GetAllEnableAbilityWithChannels)."""
    rows = await session.execute(
        select(Ability.group, Ability.model, Ability.channel_id, Channel.type)
        .outerjoin(Channel, Channel.id == Ability.channel_id)
        .where(Ability.enabled.is_(True))
    )
    return [
        EnabledAbility(str(group), str(model), int(channel_id), int(channel_type or 0))
        for group, model, channel_id, channel_type in rows
    ]


async def models_of_groups(session: AsyncSession, groups: Sequence[str]) -> list[str]:
    """Distinct enabled models of any of ``groups``, sorted."""
    if not groups:
        return []
    rows = await session.execute(
        select(Ability.model)
        .where(Ability.group.in_(list(groups)), Ability.enabled.is_(True))
        .distinct()
        .order_by(Ability.model)
    )
    return [str(name) for name in rows.scalars()]


async def bound_channels(session: AsyncSession, model_names: Sequence[str]) -> dict[str, list[Any]]:
    """model → distinct (channel name, type) of channels with an enabled ability for it."""
    if not model_names:
        return {}
    rows = await session.execute(
        select(Ability.model, Channel.name, Channel.type)
        .join(Channel, Channel.id == Ability.channel_id)
        .where(Ability.model.in_(list(model_names)), Ability.enabled.is_(True))
        .distinct()
    )
    bound: dict[str, list[Any]] = {}
    for model, name, channel_type in rows:
        bound.setdefault(str(model), []).append((str(name), int(channel_type)))
    return bound


async def channels_with_base_url(session: AsyncSession) -> list[Channel]:
    """Channels that have a base URL (candidates for ratio sync)."""
    rows = await session.execute(
        select(Channel).where(Channel.base_url.is_not(None), Channel.base_url != "")
    )
    return list(rows.scalars())


async def channels_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Channel]:
    """The channels with these ids."""
    if not ids:
        return []
    return list((await session.execute(select(Channel).where(Channel.id.in_(list(ids))))).scalars())


# ------------------------------------------------------------------------- model metadata


def _live_model() -> ColumnElement[bool]:
    return ModelMeta.deleted_at.is_(None)


async def all_model_metas(session: AsyncSession) -> list[ModelMeta]:
    """Every live model meta row."""
    return list((await session.execute(select(ModelMeta).where(_live_model()))).scalars())


async def model_page(
    session: AsyncSession, *, keyword: str, vendor: str, offset: int, limit: int
) -> tuple[list[ModelMeta], int]:
    """Model metas newest first, optionally searched (new-api SearchModels), and their total."""
    where: list[ColumnElement[bool]] = [_live_model()]
    statement = select(ModelMeta)
    counter = select(func.count()).select_from(ModelMeta)
    if keyword:
        like = _like(keyword)
        where.append(
            or_(
                ModelMeta.model_name.like(like, escape="!"),
                ModelMeta.description.like(like, escape="!"),
                ModelMeta.tags.like(like, escape="!"),
            )
        )
    if vendor:
        if vendor.isdigit():
            where.append(ModelMeta.vendor_id == int(vendor))
        else:
            statement = statement.join(Vendor, Vendor.id == ModelMeta.vendor_id)
            counter = counter.join(Vendor, Vendor.id == ModelMeta.vendor_id)
            where.append(Vendor.name.like(_like(vendor), escape="!"))
            where.append(Vendor.deleted_at.is_(None))
    total = int((await session.execute(counter.where(*where))).scalar_one())
    rows = await session.execute(
        statement.where(*where).order_by(ModelMeta.id.desc()).offset(offset).limit(limit)
    )
    return list(rows.scalars()), total


async def vendor_model_counts(session: AsyncSession) -> dict[int, int]:
    """vendor id → number of live model metas."""
    rows = await session.execute(
        select(ModelMeta.vendor_id, func.count()).where(_live_model()).group_by(ModelMeta.vendor_id)
    )
    return {int(vendor_id): int(count) for vendor_id, count in rows}


async def get_model_meta(session: AsyncSession, meta_id: int) -> ModelMeta | None:
    """One live model meta."""
    row = await session.get(ModelMeta, meta_id)
    return row if row is not None and row.deleted_at is None else None


async def model_name_taken(session: AsyncSession, name: str, *, except_id: int = 0) -> bool:
    """Whether another live meta has this exact name."""
    found = await session.execute(
        select(ModelMeta.id)
        .where(_live_model(), ModelMeta.model_name == name, ModelMeta.id != except_id)
        .limit(1)
    )
    return found.first() is not None


async def existing_model_names(session: AsyncSession, names: Sequence[str]) -> set[str]:
    """Which of ``names`` have a live meta row."""
    if not names:
        return set()
    rows = await session.execute(
        select(ModelMeta.model_name).where(_live_model(), ModelMeta.model_name.in_(list(names)))
    )
    return {str(name) for name in rows.scalars()}


async def add_model_meta(session: AsyncSession, meta: ModelMeta) -> ModelMeta:
    """Insert a meta row, stamping both times."""
    meta.created_time = meta.updated_time = clock.now()
    session.add(meta)
    await session.flush()
    return meta


async def set_model_status(session: AsyncSession, meta_id: int, status: int) -> int:
    """Change only the status; returns the rows changed."""
    result = await session.execute(
        update(ModelMeta)
        .where(ModelMeta.id == meta_id, _live_model())
        .values(status=status, updated_time=clock.now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def soft_delete_model_meta(session: AsyncSession, meta_id: int) -> None:
    """Mark a meta row deleted."""
    await session.execute(
        update(ModelMeta).where(ModelMeta.id == meta_id, _live_model()).values(deleted_at=_now())
    )


# -------------------------------------------------------------------------------- vendors


def _live_vendor() -> ColumnElement[bool]:
    return Vendor.deleted_at.is_(None)


async def all_vendors(session: AsyncSession) -> list[Vendor]:
    """Every live vendor."""
    return list(
        (await session.execute(select(Vendor).where(_live_vendor()).order_by(Vendor.id))).scalars()
    )


async def vendor_page(
    session: AsyncSession, *, keyword: str, offset: int, limit: int
) -> tuple[list[Vendor], int]:
    """Vendors (searched by name or description when ``keyword``), and their total."""
    where: list[ColumnElement[bool]] = [_live_vendor()]
    if keyword:
        like = _like(keyword)
        where.append(
            or_(Vendor.name.like(like, escape="!"), Vendor.description.like(like, escape="!"))
        )
    total = int(
        (await session.execute(select(func.count()).select_from(Vendor).where(*where))).scalar_one()
    )
    order = Vendor.id.desc() if keyword else Vendor.id
    rows = await session.execute(
        select(Vendor).where(*where).order_by(order).offset(offset).limit(limit)
    )
    return list(rows.scalars()), total


async def get_vendor(session: AsyncSession, vendor_id: int) -> Vendor | None:
    """One live vendor."""
    row = await session.get(Vendor, vendor_id)
    return row if row is not None and row.deleted_at is None else None


async def vendor_name_taken(session: AsyncSession, name: str, *, except_id: int = 0) -> bool:
    """Whether another live vendor has this name."""
    found = await session.execute(
        select(Vendor.id)
        .where(_live_vendor(), Vendor.name == name, Vendor.id != except_id)
        .limit(1)
    )
    return found.first() is not None


async def add_vendor(session: AsyncSession, vendor: Vendor) -> Vendor:
    """Insert a vendor."""
    vendor.created_time = vendor.updated_time = clock.now()
    session.add(vendor)
    await session.flush()
    return vendor


async def soft_delete_vendor(session: AsyncSession, vendor_id: int) -> None:
    """Mark a vendor deleted."""
    await session.execute(
        update(Vendor).where(Vendor.id == vendor_id, _live_vendor()).values(deleted_at=_now())
    )


# ------------------------------------------------------------------------ prefill groups


def _live_group() -> ColumnElement[bool]:
    return PrefillGroup.deleted_at.is_(None)


async def prefill_groups(session: AsyncSession, group_type: str) -> list[PrefillGroup]:
    """Live prefill groups (of one type when given), most recently updated first."""
    statement = select(PrefillGroup).where(_live_group())
    if group_type:
        statement = statement.where(PrefillGroup.type == group_type)
    rows = await session.execute(
        statement.order_by(PrefillGroup.updated_time.desc(), PrefillGroup.id.desc())
    )
    return list(rows.scalars())


async def get_prefill_group(session: AsyncSession, group_id: int) -> PrefillGroup | None:
    """One live prefill group."""
    row = await session.get(PrefillGroup, group_id)
    return row if row is not None and row.deleted_at is None else None


async def prefill_name_taken(session: AsyncSession, name: str, *, except_id: int = 0) -> bool:
    """Whether another live prefill group has this name."""
    found = await session.execute(
        select(PrefillGroup.id)
        .where(_live_group(), PrefillGroup.name == name, PrefillGroup.id != except_id)
        .limit(1)
    )
    return found.first() is not None


async def add_prefill_group(session: AsyncSession, group: PrefillGroup) -> PrefillGroup:
    """Insert a prefill group."""
    group.created_time = group.updated_time = clock.now()
    session.add(group)
    await session.flush()
    return group


async def soft_delete_prefill_group(session: AsyncSession, group_id: int) -> None:
    """Mark a prefill group deleted."""
    await session.execute(
        update(PrefillGroup)
        .where(PrefillGroup.id == group_id, _live_group())
        .values(deleted_at=_now())
    )
