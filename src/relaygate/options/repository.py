"""SQL for the options table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.option import Option


async def load_all(session: AsyncSession) -> dict[str, str]:
    """Every stored option as key → text."""
    rows = (await session.execute(select(Option.key, Option.value))).all()
    return {key: value or "" for key, value in rows}


async def upsert(session: AsyncSession, key: str, value: str) -> None:
    """Insert or replace one option."""
    row = await session.get(Option, key)
    if row is None:
        session.add(Option(key=key, value=value))
    else:
        row.value = value
