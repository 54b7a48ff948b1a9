"""CSV export of a log filter, streamed: a keyset walk in batches, one short read per batch.

Nothing is built in memory beyond one batch, and no database connection is held between
batches, so exporting millions of rows costs a pool connection only while a batch is read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from relaygate.db.session import Database
from relaygate.logs import repository
from relaygate.logs.repository import Cursor
from relaygate.logs.schemas import LogFilter
from relaygate.logs.service import strip_admin_fields

EXPORT_BATCH = 5000
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

ADMIN_COLUMNS = (
    "id",
    "time",
    "created_at",
    "type",
    "user_id",
    "username",
    "token_name",
    "model_name",
    "quota",
    "prompt_tokens",
    "completion_tokens",
    "use_time",
    "is_stream",
    "channel",
    "channel_name",
    "group",
    "ip",
    "request_id",
    "content",
    "other",
)
SELF_COLUMNS = tuple(
    column for column in ADMIN_COLUMNS if column not in ("id", "user_id", "channel_name")
)


def _cell(value: object) -> str:
    text = str(value)
    # A cell starting like a formula is run by spreadsheets; quote it (OWASP CSV injection).
    if text.startswith(_FORMULA_PREFIXES) and not text.lstrip("-").isdigit():
        return "'" + text
    return text


def _row(log: Any, channel_name: str, *, admin: bool) -> dict[str, object]:
    # ``log`` is a logs row (a Row with the table's column names)
    return {
        "id": log.id,
        "time": datetime.fromtimestamp(log.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "created_at": log.created_at,
        "type": log.type,
        "user_id": log.user_id,
        "username": log.username,
        "token_name": log.token_name,
        "model_name": log.model_name,
        "quota": log.quota,
        "prompt_tokens": log.prompt_tokens,
        "completion_tokens": log.completion_tokens,
        "use_time": log.use_time,
        "is_stream": "true" if log.is_stream else "false",
        "channel": log.channel_id,
        "channel_name": channel_name,
        "group": log.group,
        "ip": log.ip,
        "request_id": log.request_id,
        "content": log.content,
        "other": log.other if admin else strip_admin_fields(log.other),
    }


async def stream_csv(
    database: Database, filters: LogFilter, *, admin: bool, limit: int = 0
) -> AsyncIterator[bytes]:
    """UTF-8 CSV (with a BOM, for spreadsheets) of every row matching ``filters``, newest first.

    ``limit`` > 0 stops after that many rows. The WHERE clause is built once (a username is
    resolved to ids once), then each batch continues after the previous batch's last row.
    """
    columns = ADMIN_COLUMNS if admin else SELF_COLUMNS
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    yield ("\ufeff" + buffer.getvalue()).encode()
    async with database.reader() as session:
        where = await repository.conditions(session, filters)
    cursor = Cursor.parse(filters.cursor)
    sent = 0
    while True:
        size = EXPORT_BATCH if limit <= 0 else min(EXPORT_BATCH, limit - sent)
        if size <= 0:
            return
        async with database.reader() as session:
            rows = list(await repository.batch_after(session, where, cursor, size))
            names = (
                await repository.channel_names(
                    session, (r.channel_id for r in rows if r.channel_id)
                )
                if admin
                else {}
            )
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(
            {
                key: _cell(value)
                for key, value in _row(log, names.get(log.channel_id, ""), admin=admin).items()
            }
            for log in rows
        )
        yield buffer.getvalue().encode()
        sent += len(rows)
        if len(rows) < size:
            return
        cursor = Cursor(rows[-1].created_at, rows[-1].id)
