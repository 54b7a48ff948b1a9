"""The test infrastructure itself works against real services: databases, Redis, the app, the server."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import aiomysql
import asyncpg
import httpx
import pytest
import redis
from fastapi import FastAPI
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine
from tests.support.gateway import Gateway
from tests.support.services import MySQLServer, PostgresServer, RedisServer, dialect_of

from relaygate.config import database_url


async def _tables(dsn: str) -> set[str]:
    engine = create_async_engine(database_url(dsn, Path("unused.db")))
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_postgres_answers_queries(pg_server: PostgresServer, pg_dsn: str) -> None:
    database = pg_dsn.rsplit("/", 1)[1]
    connection = await asyncpg.connect(
        host=pg_server.host, port=pg_server.port, user="postgres", database=database
    )
    try:
        assert await connection.fetchval("SELECT current_database()") == database
        assert await connection.fetchval("SELECT 40 + 2") == 42
    finally:
        await connection.close()


@pytest.mark.mysql
async def test_mariadb_answers_queries(mysql_server: MySQLServer, mysql_dsn: str) -> None:
    database = mysql_dsn.rsplit("/", 1)[1]
    connection = await aiomysql.connect(
        host=mysql_server.host, port=mysql_server.port, user="root", password="", db=database
    )
    try:
        async with connection.cursor() as cursor:
            await cursor.execute("SELECT DATABASE(), 40 + 2, VERSION()")
            name, answer, version = await cursor.fetchone()
    finally:
        connection.close()
    assert (name, answer) == (database, 42)
    assert version


@pytest.mark.redis
def test_redis_set_get(redis_server: RedisServer, fresh_redis_url: str) -> None:
    with redis.Redis.from_url(fresh_redis_url) as client:
        assert client.dbsize() == 0
        client.set("relaygate:smoke", "ok", ex=60)
        assert client.get("relaygate:smoke") == b"ok"


def test_db_dsn_is_a_fresh_migrated_database(db_dsn: str, request: pytest.FixtureRequest) -> None:
    assert dialect_of(db_dsn) == request.node.callspec.params["db_dsn"]


async def test_blank_database_has_no_tables(blank_db_dsn: str) -> None:
    assert await _tables(blank_db_dsn) == set()


@pytest.mark.mysql
async def test_mysql_template_clone_is_migrated(
    mysql_server: MySQLServer, mysql_template: str
) -> None:
    name = mysql_server.create_database(template=mysql_template)
    try:
        tables = await _tables(mysql_server.dsn(name))
    finally:
        mysql_server.drop_database(name)
    assert {"alembic_version", "users", "tokens", "channels"} <= tables


async def test_app_starts_and_migrates(
    app: FastAPI, app_client: httpx.AsyncClient, db_dsn: str
) -> None:
    response = await app_client.get("/api/status")
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        assert response.json()["success"] is False
    assert {"alembic_version", "users", "tokens", "channels", "abilities", "logs"} <= await _tables(
        db_dsn
    )


async def test_app_migrates_an_empty_database_on_start(blank_db_dsn: str, tmp_path: Path) -> None:
    from relaygate.app import create_app
    from relaygate.config import Settings

    settings = Settings(_env_file=None, SQL_DSN=blank_db_dsn, DATA_DIR=str(tmp_path))  # type: ignore[call-arg]
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        pass
    assert "alembic_version" in await _tables(blank_db_dsn)


def test_gateway_process_serves_and_stops(gateway_factory: Callable[..., Gateway]) -> None:
    gateway = gateway_factory()
    with httpx.Client(base_url=gateway.url) as client:
        response = client.get("/v1/models")
    assert response.status_code in (200, 401)
    # uvicorn re-raises the SIGTERM it handled once shutdown is complete, so -15 is a clean exit.
    assert gateway.stop() in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in gateway.log_tail()


def test_gateway_root_session_reaches_the_console_api(
    gateway_factory: Callable[..., Gateway],
) -> None:
    gateway = gateway_factory()
    assert gateway.root.username == "root"
    answer = gateway.api("GET", "/api/user/self")
    assert answer.status_code == 200
    assert answer.json()["data"]["username"] == "root"
