"""Rules for reading logs: admin and self views, stats, quota wording, retention."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.log import LOG_TYPE_CONSUME, LOG_TYPE_MANAGE, Log
from relaygate.db.session import Database
from relaygate.kit import clock, jsonx
from relaygate.logs import repository
from relaygate.logs.repository import Cursor
from relaygate.logs.schemas import LogFilter, LogPage, LogPublic, LogStat
from relaygate.misc.paging import PageQuery
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.stats import repository as stats_repository

_ADMIN_ONLY_OTHER_FIELDS = ("admin_info", "stream_status")
_DELETE_CHUNK = 1000


def quota_display_type(options: OptionsSnapshot) -> str:
    """USD / CNY / TOKENS / CUSTOM: new-api's ``general_setting.quota_display_type``, else the
    older ``QuotaDisplayType`` key."""
    chosen = options.get("general_setting.quota_display_type") or options.get(
        "QuotaDisplayType", "USD"
    )
    return chosen.strip().upper() or "USD"


def quota_text(quota: int, options: OptionsSnapshot) -> str:
    """Quota worded as new-api's ``LogQuota`` does for the configured display type."""
    try:
        per_unit = float(options.get("QuotaPerUnit", "500000")) or 500000.0
        exchange_rate = float(options.get("USDExchangeRate", "7.3"))
    except ValueError:
        per_unit, exchange_rate = 500000.0, 7.3
    display = quota_display_type(options)
    if display == "TOKENS":
        return f"{quota} 点额度"
    if display == "CNY":
        return f"¥{quota / per_unit * exchange_rate:.6f} 额度"
    return f"＄{quota / per_unit:.6f} 额度"


async def record_manage(
    session: AsyncSession, *, user_id: int, content: str, admin_id: int, admin_username: str
) -> None:
    """Write a management log row naming the admin who acted."""
    other = jsonx.dumps_str(
        {"admin_info": {"admin_id": admin_id, "admin_username": admin_username}}
    )
    await repository.add(
        session, Log(user_id=user_id, type=LOG_TYPE_MANAGE, content=content, other=other)
    )


def _next_cursor(rows: list[Log], page_size: int) -> str:
    if len(rows) < page_size or not rows:
        return ""
    return str(Cursor(rows[-1].created_at, rows[-1].id))


async def list_all(session: AsyncSession, filters: LogFilter, page: PageQuery) -> LogPage:
    """Every user's rows, with channel names (admins)."""
    rows, total = await repository.list_page(
        session, filters, offset=page.offset, limit=page.page_size
    )
    names = await repository.channel_names(
        session, (row.channel_id for row in rows if row.channel_id)
    )
    items = []
    for row in rows:
        item = LogPublic.model_validate(row)
        item.channel_name = names.get(row.channel_id, "")
        items.append(item)
    return LogPage(
        page=page.page,
        page_size=page.page_size,
        total=total,
        items=items,
        next_cursor=_next_cursor(list(rows), page.page_size),
    )


def strip_admin_fields(other: str) -> str:
    if not other:
        return other
    try:
        parsed = jsonx.loads(other)
    except ValueError:
        return other
    if not isinstance(parsed, dict):
        return other
    for key in _ADMIN_ONLY_OTHER_FIELDS:
        parsed.pop(key, None)
    return jsonx.dumps_str(parsed)


def own_filters(user_id: int, filters: LogFilter) -> LogFilter:
    """The filters of a /self route: pinned to the caller, no username or channel search."""
    return filters.model_copy(update={"user_id": user_id, "username": "", "channel": 0})


def public_own(row: Log, position: int) -> LogPublic:
    """A row as its owner sees it: numbered by position, admin-only details dropped."""
    item = LogPublic.model_validate(row)
    item.id = position
    item.other = strip_admin_fields(row.other)
    return item


async def list_own(
    session: AsyncSession, user_id: int, filters: LogFilter, page: PageQuery
) -> LogPage:
    """The caller's rows, without admin-only details.

    As in new-api, ids are renumbered by position so users never see global row ids; the
    keyset cursor is the one place a row's real id appears.
    """
    own = own_filters(user_id, filters)
    rows, total = await repository.list_page(session, own, offset=page.offset, limit=page.page_size)
    start = page.offset + 1 if not filters.cursor else 1
    items = [public_own(row, position) for position, row in enumerate(rows, start=start)]
    return LogPage(
        page=page.page,
        page_size=page.page_size,
        total=total,
        items=items,
        next_cursor=_next_cursor(list(rows), page.page_size),
    )


_HOUR = 3600


def _rollup_eligible(filters: LogFilter) -> bool:
    """Filters the hourly quota_data buckets can answer (time range and user id only)."""
    return filters.type in (0, LOG_TYPE_CONSUME) and not (
        filters.username
        or filters.model_name
        or filters.token_name
        or filters.request_id
        or filters.channel
        or filters.group
        or filters.keyword
    )


async def stat(session: AsyncSession, filters: LogFilter) -> LogStat:
    """Quota, rpm and tpm for consume rows matching ``filters``.

    A wide range without row filters (the console's default view) adds up the hourly
    ``quota_data`` buckets for every complete aggregated hour and reads logs only for the
    edges, so it stays fast at millions of rows; anything else sums the log rows.
    """
    if _rollup_eligible(filters):
        latest = await stats_repository.latest_bucket(session)
        start = filters.start_timestamp
        end = filters.end_timestamp or clock.now()
        first_full = -(-start // _HOUR) * _HOUR
        last_full = min(latest or 0, (end + 1) // _HOUR * _HOUR)
        if latest is not None and last_full - first_full >= 2 * _HOUR:
            rolled = await stats_repository.quota_between(
                session, first_full, last_full, user_id=filters.user_id
            )
            head, _, _ = await repository.stat(
                session, filters.model_copy(update={"end_timestamp": first_full - 1})
            )
            tail, rpm, tpm = await repository.stat(
                session,
                filters.model_copy(update={"start_timestamp": last_full, "end_timestamp": end}),
            )
            return LogStat(quota=head + rolled + tail, rpm=rpm, tpm=tpm)
    quota, rpm, tpm = await repository.stat(session, filters)
    return LogStat(quota=quota, rpm=rpm, tpm=tpm)


async def delete_history(database: Database, target_timestamp: int) -> int:
    """Delete rows older than ``target_timestamp`` in chunks; return how many went.

    Each chunk is its own short unit of work so a large purge never holds one long write lock
    while the relay's ledger is inserting.
    """
    total = 0
    while True:
        async with database.unit_of_work() as session:
            deleted = await repository.delete_before(session, target_timestamp, limit=_DELETE_CHUNK)
        total += deleted
        if deleted < _DELETE_CHUNK:
            return total
