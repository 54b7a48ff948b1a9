"""SQL for channels and their abilities.

``set_channel_status`` is the entry point for the relay's auto-disable and the probe job's
auto-enable: it keeps a channel's abilities in step with its status in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, distinct, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import UnaryExpression

from relaygate.db.models.ability import Ability
from relaygate.db.models.channel import (
    CHANNEL_STATUS_AUTO_DISABLED,
    CHANNEL_STATUS_ENABLED,
    CHANNEL_STATUS_MANUALLY_DISABLED,
    Channel,
)

_SORT_COLUMNS = {
    "id": Channel.id,
    "name": Channel.name,
    "priority": Channel.priority,
    "balance": Channel.balance,
    "response_time": Channel.response_time,
    "test_time": Channel.test_time,
}


@dataclass(frozen=True, slots=True)
class ChannelQuery:
    """List filters and order (new-api's ``buildChannelListQuery`` and sort options)."""

    group: str = ""
    status: str = ""
    """"enabled"/"1", "disabled"/"0", anything else: all."""
    type: int | None = None
    sort_by: str = ""
    sort_order: str = "desc"
    id_sort: bool = False


def split_list(raw: str | None) -> list[str]:
    """A comma list as clean, unique names, order kept."""
    seen: dict[str, None] = {}
    for part in (raw or "").split(","):
        name = part.strip()
        if name:
            seen.setdefault(name, None)
    return list(seen)


def _escape_like(value: str) -> str:
    return value.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _group_condition(group: str) -> ColumnElement[bool]:
    # Channel.group is a comma list: wrap it in commas so "vip" never matches "svip".
    wrapped = literal(",") + Channel.group + literal(",")
    return wrapped.like(f"%,{_escape_like(group)},%", escape="!")


def _filters(query: ChannelQuery, *, with_type: bool = True) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.group:
        conditions.append(_group_condition(query.group))
    status = query.status.strip().lower()
    if status in ("enabled", "1"):
        conditions.append(Channel.status == CHANNEL_STATUS_ENABLED)
    elif status in ("disabled", "0"):
        conditions.append(Channel.status != CHANNEL_STATUS_ENABLED)
    if with_type and query.type is not None and query.type >= 0:
        conditions.append(Channel.type == query.type)
    return conditions


def _order(query: ChannelQuery) -> list[UnaryExpression[Any]]:
    column = _SORT_COLUMNS.get(query.sort_by.strip().lower())
    if column is not None:
        primary = column.asc() if query.sort_order.lower() == "asc" else column.desc()
        return [primary, Channel.id.desc()]
    if query.id_sort:
        return [Channel.id.desc()]
    return [Channel.priority.desc(), Channel.id.desc()]


async def get(session: AsyncSession, channel_id: int) -> Channel | None:
    """A channel by id."""
    return await session.get(Channel, channel_id)


async def add(session: AsyncSession, channel: Channel) -> Channel:
    """Insert a channel (abilities not included) and return it with its id."""
    session.add(channel)
    await session.flush()
    return channel


async def replace_abilities(session: AsyncSession, channel: Channel) -> None:
    """Rebuild a channel's abilities: one row per group × model, enabled iff status is 1."""
    await session.execute(delete(Ability).where(Ability.channel_id == channel.id))
    rows = [
        {
            "group": group,
            "model": model,
            "channel_id": channel.id,
            "enabled": channel.status == CHANNEL_STATUS_ENABLED,
            "priority": channel.priority or 0,
            "weight": channel.weight or 0,
            "tag": channel.tag,
        }
        for model in split_list(channel.models)
        for group in split_list(channel.group)
    ]
    if rows:
        await session.execute(insert(Ability), rows)


async def delete_channel(session: AsyncSession, channel_id: int) -> bool:
    """Delete a channel and its abilities; False when it did not exist."""
    await session.execute(delete(Ability).where(Ability.channel_id == channel_id))
    result = await session.execute(delete(Channel).where(Channel.id == channel_id))
    return bool(getattr(result, "rowcount", 0))


async def get_many(session: AsyncSession, channel_ids: Sequence[int]) -> Sequence[Channel]:
    """Channels with these ids, in id order."""
    if not channel_ids:
        return []
    rows = await session.execute(
        select(Channel).where(Channel.id.in_(list(channel_ids))).order_by(Channel.id)
    )
    return rows.scalars().all()


async def all_channels(session: AsyncSession, *, status: int | None = None) -> Sequence[Channel]:
    """Every channel (optionally of one status), in id order."""
    stmt = select(Channel).order_by(Channel.id)
    if status is not None:
        stmt = stmt.where(Channel.status == status)
    return (await session.execute(stmt)).scalars().all()


async def by_tag(session: AsyncSession, tag: str) -> Sequence[Channel]:
    """Channels carrying ``tag``, highest priority first."""
    rows = await session.execute(
        select(Channel).where(Channel.tag == tag).order_by(Channel.priority.desc(), Channel.id)
    )
    return rows.scalars().all()


async def by_tags(
    session: AsyncSession, tags: Sequence[str], query: ChannelQuery
) -> Sequence[Channel]:
    """Channels carrying any of ``tags`` that match the group filter, in ``query`` order."""
    if not tags:
        return []
    conditions: list[ColumnElement[bool]] = [Channel.tag.in_(list(tags))]
    if query.group:
        conditions.append(_group_condition(query.group))
    rows = await session.execute(select(Channel).where(*conditions).order_by(*_order(query)))
    return rows.scalars().all()


async def delete_many(session: AsyncSession, channel_ids: Sequence[int]) -> int:
    """Delete channels and their abilities; return how many channels went."""
    ids = list(channel_ids)
    if not ids:
        return 0
    await session.execute(delete(Ability).where(Ability.channel_id.in_(ids)))
    result = await session.execute(delete(Channel).where(Channel.id.in_(ids)))
    return int(getattr(result, "rowcount", 0) or 0)


async def disabled_ids(session: AsyncSession) -> list[int]:
    """Ids of manually or automatically disabled channels."""
    rows = await session.execute(
        select(Channel.id).where(
            Channel.status.in_([CHANNEL_STATUS_MANUALLY_DISABLED, CHANNEL_STATUS_AUTO_DISABLED])
        )
    )
    return [channel_id for (channel_id,) in rows]


async def update_by_tag(session: AsyncSession, tag: str, values: dict[str, Any]) -> None:
    """Write the same column values to every channel with ``tag``."""
    if values:
        await session.execute(update(Channel).where(Channel.tag == tag).values(**values))


async def update_abilities_by_tag(session: AsyncSession, tag: str, values: dict[str, Any]) -> None:
    """Write ability columns (priority, weight, tag, enabled) for every row with ``tag``."""
    if values:
        await session.execute(update(Ability).where(Ability.tag == tag).values(**values))


async def set_tag(session: AsyncSession, channel_ids: Sequence[int], tag: str | None) -> None:
    """Set (or clear) the tag of these channels and of their abilities."""
    ids = list(channel_ids)
    await session.execute(update(Channel).where(Channel.id.in_(ids)).values(tag=tag))
    await session.execute(update(Ability).where(Ability.channel_id.in_(ids)).values(tag=tag))


async def record_test(
    session: AsyncSession, channel_id: int, *, response_time: int, test_time: int
) -> None:
    """Store a test's response time (ms) and when it ran."""
    await session.execute(
        update(Channel)
        .where(Channel.id == channel_id)
        .values(response_time=response_time, test_time=test_time)
    )


async def record_balance(
    session: AsyncSession, channel_id: int, *, balance: float, at: int
) -> None:
    """Store a fetched balance (USD) and when it was fetched."""
    await session.execute(
        update(Channel)
        .where(Channel.id == channel_id)
        .values(balance=balance, balance_updated_time=at)
    )


async def set_channel_status(session: AsyncSession, channel_id: int, status: int) -> None:
    """Set a channel's status and enable or disable all its abilities to match.

    The caller commits and then publishes ``TOPIC_CHANNELS`` so routing drops the channel.
    """
    await session.execute(update(Channel).where(Channel.id == channel_id).values(status=status))
    await session.execute(
        update(Ability)
        .where(Ability.channel_id == channel_id)
        .values(enabled=status == CHANNEL_STATUS_ENABLED)
    )


async def list_page(
    session: AsyncSession, query: ChannelQuery, *, offset: int, limit: int
) -> tuple[Sequence[Channel], int]:
    """Channels matching ``query`` in its order, and their total."""
    conditions = _filters(query)
    total = (
        await session.execute(select(func.count()).select_from(Channel).where(*conditions))
    ).scalar_one()
    rows = await session.execute(
        select(Channel).where(*conditions).order_by(*_order(query)).offset(offset).limit(limit)
    )
    return rows.scalars().all(), int(total)


async def list_tag_page(
    session: AsyncSession, query: ChannelQuery, *, offset: int, limit: int
) -> tuple[Sequence[Channel], int]:
    """Tag mode: a page of distinct tags, with every matching channel under each; total is tags."""
    conditions = [*_filters(query), Channel.tag.is_not(None), Channel.tag != ""]
    total = (
        await session.execute(select(func.count(distinct(Channel.tag))).where(*conditions))
    ).scalar_one()
    tags = (
        (
            await session.execute(
                select(Channel.tag)
                .where(*conditions)
                .group_by(Channel.tag)
                .order_by(func.max(Channel.priority).desc(), Channel.tag)
                .offset(offset)
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    if not tags:
        return [], int(total)
    rows = await session.execute(
        select(Channel).where(*conditions, Channel.tag.in_(tags)).order_by(*_order(query))
    )
    return rows.scalars().all(), int(total)


async def type_counts(session: AsyncSession, query: ChannelQuery) -> dict[int, int]:
    """How many channels of each type match the filters other than type."""
    rows = await session.execute(
        select(Channel.type, func.count())
        .where(*_filters(query, with_type=False))
        .group_by(Channel.type)
    )
    return {int(channel_type): int(count) for channel_type, count in rows}


async def search(
    session: AsyncSession, query: ChannelQuery, *, keyword: str, model: str
) -> Sequence[Channel]:
    """Channels whose id, name or base URL match ``keyword`` and whose models contain ``model``."""
    conditions = _filters(query)
    if keyword:
        pattern = f"%{_escape_like(keyword)}%"
        matches: list[ColumnElement[bool]] = [
            Channel.name.like(pattern, escape="!"),
            Channel.base_url.like(pattern, escape="!"),
            Channel.tag.like(pattern, escape="!"),
        ]
        if keyword.isdigit():
            matches.append(Channel.id == int(keyword))
        conditions.append(or_(*matches))
    if model:
        conditions.append(Channel.models.like(f"%{_escape_like(model)}%", escape="!"))
    rows = await session.execute(select(Channel).where(*conditions).order_by(*_order(query)))
    return rows.scalars().all()


async def enabled_models(session: AsyncSession) -> list[str]:
    """Every model some enabled ability serves, sorted."""
    rows = await session.execute(
        select(Ability.model).distinct().where(Ability.enabled.is_(True)).order_by(Ability.model)
    )
    return [model for (model,) in rows]
