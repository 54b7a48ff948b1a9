"""Log queries over five million rows on PostgreSQL: every console filter, pages, stat, export.

Loads ``--rows`` log rows (default 5,000,000) into a PostgreSQL database migrated to head,
using one ``INSERT … SELECT generate_series`` with the log indexes dropped and rebuilt after
(then VACUUM ANALYZE, as autovacuum would), and times relaygate's own repository calls: the
list (first page, a deep page by keyset and by offset), each filter, the stat and the CSV export.
The goal is ≤ 100 ms for each list and stat call.

    .venv/bin/python bench/logs_query.py                 # private or shared PG from tests/support
    .venv/bin/python bench/logs_query.py --dsn postgres://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/logs_query.py --keep --reuse  # keep the database, reuse it next time

Data: 90 days of rows ending now (so ~40 rows fall in the last minute), 1,000 users with one
heavy user holding 10 %, 3 tokens per user, 40 models with gpt-4o at 30 %, 50 channels, groups
default/vip/svip at 80/15/5 %, 90 % consume rows, a rare word ("timeout") in 0.1 % of contents.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from relaygate.config import database_url  # noqa: E402
from relaygate.db.migrate import upgrade_to_head  # noqa: E402
from relaygate.db.session import Database  # noqa: E402
from relaygate.logs import export, repository, service  # noqa: E402
from relaygate.logs.schemas import LogFilter  # noqa: E402
from relaygate.stats import service as stats_service  # noqa: E402

DATABASE = "relaygate_bench_logs"
GOAL_MS = 100.0
DAYS = 90
USERS = 1000
HEAVY_USER = 2
RUNS = 7

LOAD_SQL = """
INSERT INTO logs (user_id, created_at, type, content, username, token_name, model_name, quota,
                  prompt_tokens, completion_tokens, use_time, is_stream, channel_id, token_id,
                  "group", ip, request_id, other)
SELECT u.user_id,
       :now - ((:rows - g.i) * :span / :rows),
       CASE WHEN g.i % 100 < 90 THEN 2 WHEN g.i % 100 < 95 THEN 5
            WHEN g.i % 100 < 98 THEN 1 ELSE 3 END,
       CASE WHEN g.i % 1000 = 7 THEN 'upstream timeout after 60s'
            ELSE 'model ratio ' || (g.i % 40) || ', completion ratio 4, group ratio 1' END,
       'user' || u.user_id,
       'tok-' || u.user_id || '-' || (g.i % 3),
       CASE WHEN g.i % 10 < 3 THEN 'gpt-4o' ELSE 'model-' || (g.i * 31 % 40) END,
       (g.i * 17 % 5000) + 1,
       (g.i * 13 % 4000) + 10,
       (g.i * 7 % 1000) + 1,
       g.i % 30,
       g.i % 2 = 0,
       1 + (g.i * 11 % 50),
       u.user_id * 3 + (g.i % 3),
       CASE WHEN g.i % 20 < 16 THEN 'default' WHEN g.i % 20 < 19 THEN 'vip' ELSE 'svip' END,
       '10.0.' || (g.i % 256) || '.' || (g.i * 3 % 256),
       md5(g.i::text),
       '{"model_ratio": 1.25}'
FROM generate_series(1::bigint, :rows) AS g(i)
CROSS JOIN LATERAL (
    SELECT CASE WHEN g.i % 10 = 0 THEN :heavy ELSE 1 + (g.i * 7919 % :users) END AS user_id
) AS u
"""

USERS_SQL = """
INSERT INTO users (username, password, display_name, role, status, email, github_id, discord_id,
                   oidc_id, wechat_id, telegram_id, linux_do_id, quota, used_quota, request_count,
                   "group", aff_count, aff_quota, aff_history, inviter_id, setting, remark,
                   stripe_customer, created_at, last_login_at)
SELECT 'user' || i, 'x', '', 1, 1, '', '', '', '', '', '', '', 0, 0, 0, 'default', 0, 0, 0, 0,
       '', '', '', 0, 0
FROM generate_series(1, :users) AS i
"""


async def _count(database: Database) -> int:
    async with database.reader() as session:
        return int((await session.execute(text("SELECT count(*) FROM logs"))).scalar_one())


async def load(database: Database, rows: int) -> None:
    """Fill users and logs, dropping and rebuilding the log indexes around the insert."""
    started = time.perf_counter()
    async with database.engine.begin() as connection:
        await connection.execute(text("TRUNCATE logs, users RESTART IDENTITY"))
        definitions = [
            (name, definition)
            for name, definition in (
                await connection.execute(
                    text(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'logs' "
                        "AND indexname <> 'pk_logs'"
                    )
                )
            ).all()
        ]
        for name, _ in definitions:
            await connection.execute(text(f'DROP INDEX "{name}"'))
        await connection.execute(text(USERS_SQL), {"users": USERS})
        await connection.execute(
            text(LOAD_SQL),
            {
                "now": int(time.time()),
                "rows": rows,
                "span": DAYS * 86400,
                "users": USERS,
                "heavy": HEAVY_USER,
            },
        )
        print(f"  inserted {rows:,} rows in {time.perf_counter() - started:.0f} s")
        await connection.execute(text("SET maintenance_work_mem = '512MB'"))
        for name, definition in definitions:
            begun = time.perf_counter()
            await connection.execute(text(definition))
            print(f"  index {name}: {time.perf_counter() - begun:.0f} s")
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE logs"))
        await autocommit.execute(text("VACUUM ANALYZE users"))
    print(f"  loaded in {time.perf_counter() - started:.0f} s")


async def _timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, float, Any]:
    result = await call()  # warm-up (and the value shown)
    samples = []
    for _ in range(RUNS):
        begun = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - begun) * 1000)
    return statistics.median(samples), max(samples), result


async def run(database: Database) -> list[tuple[str, float, float, str]]:
    async with database.reader() as session:
        middle = (
            await session.execute(
                text(
                    "SELECT created_at, id FROM logs ORDER BY id OFFSET (SELECT count(*) / 2 FROM logs) LIMIT 1"
                )
            )
        ).one()
        request_id = (
            await session.execute(text("SELECT request_id FROM logs WHERE id = 4242"))
        ).scalar_one()
        newest = int((await session.execute(text("SELECT max(created_at) FROM logs"))).scalar_one())
    day_ago = newest - 86400
    heavy = await _user_id(database, f"user{HEAVY_USER}")
    ordinary = await _user_id(database, "user17")

    def page(
        label: str, filters: LogFilter, *, offset: int = 0
    ) -> tuple[str, Callable[[], Awaitable[Any]]]:
        async def call() -> str:
            async with database.reader() as session:
                rows, total = await repository.list_page(session, filters, offset=offset, limit=10)
            return f"{len(rows)} rows, total {total:,}"

        return label, call

    def stat(label: str, filters: LogFilter) -> tuple[str, Callable[[], Awaitable[Any]]]:
        async def call() -> str:
            async with database.reader() as session:
                result = await service.stat(session, filters)
            return f"quota {result.quota:,}, rpm {result.rpm}, tpm {result.tpm:,}"

        return label, call

    cursor = f"{middle.created_at},{middle.id}"
    cases = [
        page("list: first page", LogFilter()),
        page("list: deep page by keyset (middle row)", LogFilter(cursor=cursor)),
        page("list: deep page by offset (p=10,000)", LogFilter(), offset=100_000),
        page("list: type=5 (error)", LogFilter(type=5)),
        page("list: last 24 h", LogFilter(start_timestamp=day_ago)),
        page("list: username (1,000 users)", LogFilter(username="user17")),
        page("list: username of the heavy user", LogFilter(username=f"user{HEAVY_USER}")),
        page("list: username fuzzy user1%", LogFilter(username="user1%")),
        page("list: user_id", LogFilter(user_id=ordinary)),
        page("list: token_name", LogFilter(token_name="tok-17-1")),
        page("list: model_name common (gpt-4o)", LogFilter(model_name="gpt-4o")),
        page("list: model_name rare", LogFilter(model_name="model-33")),
        page("list: channel", LogFilter(channel=7)),
        page("list: group svip", LogFilter(group="svip")),
        page("list: request_id", LogFilter(request_id=request_id)),
        page("list: keyword rare (timeout)", LogFilter(keyword="timeout")),
        page("list: keyword common", LogFilter(keyword="ratio 33,")),
        page(
            "list: username + model + 24 h",
            LogFilter(username="user17", model_name="model-4", start_timestamp=day_ago),
        ),
        page("list: self (heavy user), type=2", LogFilter(user_id=heavy, type=2)),
        page("list: self, deep by keyset", LogFilter(user_id=heavy, cursor=cursor)),
        stat("stat: last 24 h", LogFilter(start_timestamp=day_ago)),
        stat("stat: all time, no filter", LogFilter()),
        stat("stat: username", LogFilter(username="user17")),
        stat("stat: heavy user, all time", LogFilter(user_id=heavy)),
        stat("stat: model_name + 24 h", LogFilter(model_name="gpt-4o", start_timestamp=day_ago)),
        stat("stat: channel + 24 h", LogFilter(channel=7, start_timestamp=day_ago)),
        stat("stat: group + 24 h", LogFilter(group="svip", start_timestamp=day_ago)),
        stat("stat: token_name", LogFilter(token_name="tok-17-1")),
    ]
    results = []
    for label, call in cases:
        median, worst, shown = await _timed(call)
        results.append((label, median, worst, str(shown)))
        print(f"  {label:<42} {median:8.1f} ms  (max {worst:.1f})  {shown}", flush=True)
    results.append(await _export_rate(database))
    return results


async def _user_id(database: Database, username: str) -> int:
    async with database.reader() as session:
        return int(
            (
                await session.execute(
                    text("SELECT id FROM users WHERE username = :u"), {"u": username}
                )
            ).scalar_one()
        )


async def _export_rate(database: Database) -> tuple[str, float, float, str]:
    rows = 100_000
    begun = time.perf_counter()
    size = 0
    async for chunk in export.stream_csv(database, LogFilter(), admin=True, limit=rows):
        size += len(chunk)
    elapsed = time.perf_counter() - begun
    shown = f"{rows / elapsed:,.0f} rows/s, {size / elapsed / 1e6:.1f} MB/s"
    print(f"  {'export: 100,000 rows as CSV':<42} {elapsed * 1000:8.0f} ms  {shown}")
    return "export: 100,000 rows as CSV (total time)", elapsed * 1000, elapsed * 1000, shown


def table(results: list[tuple[str, float, float, str]], rows: int) -> str:
    lines = [
        f"Log queries over {rows:,} rows (PostgreSQL, median of {RUNS}; goal ≤ {GOAL_MS:.0f} ms)",
        "",
        f"| query | median ms | max ms | ≤ {GOAL_MS:.0f} ms | result |",
        "|---|---:|---:|:---:|---|",
    ]
    for label, median, worst, shown in results:
        verdict = "" if label.startswith("export") else ("yes" if median <= GOAL_MS else "NO")
        lines.append(f"| {label} | {median:.1f} | {worst:.1f} | {verdict} | {shown} |")
    return "\n".join(lines)


async def bench(dsn: str, rows_wanted: int, reuse: bool) -> None:
    database = Database(database_url(dsn, Path("unused.db")), pool_size=2)
    try:
        if database.dialect != "postgresql":
            raise SystemExit("bench/logs_query.py needs PostgreSQL")
        await upgrade_to_head(database)
        present = await _count(database)
        if not (reuse and present >= rows_wanted):
            print(f"loading {rows_wanted:,} rows …", flush=True)
            await load(database, rows_wanted)
        rows = await _count(database)
        # the quota_data job runs every minute in a live gateway; bring the buckets up to date
        started = time.perf_counter()
        await stats_service.catch_up(database)
        print(f"quota_data caught up in {time.perf_counter() - started:.1f} s", flush=True)
        print(f"timing over {rows:,} rows …", flush=True)
        results = await run(database)
    finally:
        await database.dispose()
    report = table(results, rows)
    print()
    print(report)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "logs_query.md").write_text(report + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--dsn", help="SQL_DSN of a PostgreSQL database (default: tests/support)")
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--reuse", action="store_true", help="skip loading when rows are there")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()
    if args.dsn:
        asyncio.run(bench(args.dsn, args.rows, args.reuse))
        return
    from tests.support import services

    with services.postgres_server() as server:
        with contextlib.suppress(Exception):  # already there from a --keep run
            server.create_database(DATABASE)
        if args.keep and DATABASE in server.created:
            server.created.remove(DATABASE)
        try:
            asyncio.run(bench(server.dsn(DATABASE), args.rows, args.reuse))
        finally:
            if not args.keep:
                server.drop_database(DATABASE)


if __name__ == "__main__":
    main()
