"""Shared fixtures: real databases and Redis, the mock upstream, the app in-process and as a server.

Service fixtures skip the test when neither a reachable server nor the binaries exist; set
``RELAYGATE_TEST_REQUIRE_SERVICES=1`` (CI does) to fail instead. See tests/support/services.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

# tests/ has no __init__.py; put the repo root on sys.path so `tests.support` imports everywhere
# (and `python -m tests.support.mock_upstream` names the same module).
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
import pytest  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.gateway import Gateway  # noqa: E402
from tests.support.mock_upstream import MockUpstream  # noqa: E402
from tests.support.services import MySQLServer, PostgresServer, RedisServer  # noqa: E402

from relaygate.app import create_app  # noqa: E402
from relaygate.config import Settings  # noqa: E402

REQUIRE_SERVICES = os.environ.get("RELAYGATE_TEST_REQUIRE_SERVICES", "") not in ("", "0")
TEST_SESSION_SECRET = "relaygate-test-session-secret"

SQLITE = pytest.param("sqlite", id="sqlite")
POSTGRES = pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)
MYSQL = pytest.param("mysql", id="mysql", marks=pytest.mark.mysql)


def _unavailable(error: Exception) -> NoReturn:
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {error}")
    pytest.skip(f"service unavailable: {error}")


def _start(stack: contextlib.ExitStack, launcher: Callable[[], Any]) -> Any:
    try:
        return stack.enter_context(launcher())
    except services.ServiceUnavailable as exc:
        _unavailable(exc)


# ------------------------------------------------------------------------------ servers


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (shared 5432 or a private cluster)."""
    with contextlib.ExitStack() as stack:
        yield _start(stack, services.postgres_server)


@pytest.fixture(scope="session")
def pg_dsn(pg_server: PostgresServer) -> str:
    """``postgres://postgres@host:port/relaygate_test_…``: an empty database for the session."""
    return pg_server.dsn(pg_server.create_database())


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[MySQLServer]:
    """The session's MariaDB server (shared 3306 or a private mariadbd)."""
    with contextlib.ExitStack() as stack:
        yield _start(stack, services.mysql_server)


@pytest.fixture(scope="session")
def mysql_dsn(mysql_server: MySQLServer) -> str:
    """``root@tcp(host:port)/relaygate_test_…``: an empty database for the session."""
    return mysql_server.dsn(mysql_server.create_database())


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """The session's Redis (private redis-server, or shared 6379 db 15)."""
    with contextlib.ExitStack() as stack:
        yield _start(stack, services.redis_server)


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    """``redis://host:port/db`` for REDIS_CONN_STRING; shared by the whole session."""
    return redis_server.url


@pytest.fixture
def fresh_redis_url(redis_server: RedisServer) -> str:
    """``redis_url`` after FLUSHDB, for tests that need an empty Redis."""
    redis_server.flush()
    return redis_server.url


# -------------------------------------------------------------------- migrated templates


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head once; per-test databases are copies of it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    services.migrate(services.sqlite_dsn(path))
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer) -> str:
    """Name of a PostgreSQL database migrated to head, cloned with CREATE DATABASE … TEMPLATE."""
    name = pg_server.create_database(services.unique_name("relaygate_tmpl"))
    services.migrate(pg_server.dsn(name))
    return name


@pytest.fixture(scope="session")
def mysql_template(mysql_server: MySQLServer) -> str:
    """Name of a MariaDB database migrated to head (cloned table by table)."""
    name = mysql_server.create_database(services.unique_name("relaygate_tmpl"))
    services.migrate(mysql_server.dsn(name))
    return name


def _fresh_database(
    request: pytest.FixtureRequest, dialect: str, tmp_path: Path, *, migrated: bool
) -> Iterator[str]:
    if dialect == "sqlite":
        path = tmp_path / "relaygate.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield services.sqlite_dsn(path)
        return
    server: PostgresServer | MySQLServer
    if dialect == "postgres":
        server = request.getfixturevalue("pg_server")
        template = request.getfixturevalue("pg_template") if migrated else None
    else:
        server = request.getfixturevalue("mysql_server")
        template = request.getfixturevalue("mysql_template") if migrated else None
    name = server.create_database(services.unique_name("t"), template=template)
    try:
        yield server.dsn(name)
    finally:
        server.drop_database(name)


@pytest.fixture(params=[SQLITE, POSTGRES])
def db_dsn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQL_DSN of a fresh database, already migrated to head; the test runs on SQLite and PostgreSQL."""
    yield from _fresh_database(request, request.param, tmp_path, migrated=True)


@pytest.fixture(params=[SQLITE, POSTGRES])
def blank_db_dsn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQL_DSN of a fresh, empty (unmigrated) database on SQLite and PostgreSQL."""
    yield from _fresh_database(request, request.param, tmp_path, migrated=False)


@pytest.fixture(params=[SQLITE, POSTGRES, MYSQL])
def any_db_dsn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Like ``db_dsn`` plus MariaDB, for dialect-sensitive tests (quota UPDATEs, JSON, migrations)."""
    yield from _fresh_database(request, request.param, tmp_path, migrated=True)


# ----------------------------------------------------------------------------- the app


@pytest.fixture
def app_settings(db_dsn: str, tmp_path: Path) -> Settings:
    """Settings for the in-process app; override this fixture to add Redis or other options."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        SQL_DSN=db_dsn,
        SQLITE_PATH=str(tmp_path / "unused.db"),
        DATA_DIR=str(tmp_path),
        SESSION_SECRET=TEST_SESSION_SECRET,
        REDIS_CONN_STRING=None,
        WEB_DIST=str(tmp_path / "no-web-dist"),
    )


@pytest.fixture
async def app(app_settings: Settings) -> AsyncIterator[FastAPI]:
    """``create_app(app_settings)`` with its lifespan running (migrated, runtime built)."""
    application = create_app(app_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def app_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to ``app`` in-process through ASGITransport."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


# ------------------------------------------------------------------ upstream and gateway


@pytest.fixture(scope="session")
def mock_upstream_session() -> Iterator[MockUpstream]:
    """One mock upstream server for the whole session."""
    with MockUpstream() as upstream:
        yield upstream


@pytest.fixture
def mock_upstream(mock_upstream_session: MockUpstream) -> MockUpstream:
    """The session's mock upstream, reset (no faults, no recorded requests) for this test."""
    mock_upstream_session.reset()
    return mock_upstream_session


@pytest.fixture
def gateway_factory(tmp_path: Path) -> Iterator[Callable[..., Gateway]]:
    """``start(sql_dsn="", env=None) -> Gateway``: relaygate processes stopped after the test."""
    started: list[Gateway] = []

    def start(*, sql_dsn: str = "", env: dict[str, str] | None = None) -> Gateway:
        gateway = Gateway(sql_dsn=sql_dsn, env=env, data_dir=tmp_path / f"gateway-{len(started)}")
        started.append(gateway)
        return gateway.start()

    yield start
    for gateway in reversed(started):
        gateway.stop()
