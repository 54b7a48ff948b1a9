"""Real PostgreSQL, MariaDB and Redis for tests: a reachable local server, else a private one.

Each launcher is a context manager yielding a server object; the DSN/URL it hands out points at
a database created for this process only, so concurrent test sessions on one machine never see
each other's rows. Private servers live in a temporary directory on a free port and are removed
on exit. Admin statements go through asyncpg / aiomysql / redis-py, nothing is mocked.

Environment knobs (all optional):

- ``RELAYGATE_TEST_SERVICES=private``: never use the shared local servers, always launch.
- ``RELAYGATE_TEST_REDIS=shared``: use a reachable 6379 (db 15, flushed) instead of a private
  redis-server. Private is the default because Redis pub/sub is not scoped by db number, so two
  sessions sharing a server would receive each other's cache events.
- ``RELAYGATE_TEST_REQUIRE_SERVICES=1``: a missing service fails instead of skipping (CI).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

PG_BIN_DIRS = (
    "/usr/lib/postgresql/15/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/17/bin",
)
PG_FAST = ("-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")
PRIVATE_ONLY = os.environ.get("RELAYGATE_TEST_SERVICES", "") == "private"


class ServiceUnavailable(RuntimeError):
    """Neither a reachable server nor the binaries to launch one."""


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a private loop in a worker thread.

    Safe to call from sync fixtures even while pytest-asyncio's session loop exists, because
    it never touches the calling thread's event loop.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    """Whether something accepts TCP connections there."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def unique_name(prefix: str) -> str:
    """A database name nobody else uses: prefix + pid + random hex."""
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"


def _wait_until(check: Any, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise ServiceUnavailable(f"{what} did not become ready in {timeout}s\n{tail}")


def _service_user() -> str | None:
    """The unprivileged account to run servers as when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "relaygate-test"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            "relaygate-test",
        ],
        check=True,
        capture_output=True,
    )
    return "relaygate-test"


def _as_user(user: str | None, argv: list[str]) -> list[str]:
    return argv if user is None else ["runuser", "-u", user, "--", *argv]


def migrate(dsn: str) -> None:
    """Bring the database behind an SQL_DSN to alembic head, as the app does on start."""
    from relaygate.config import database_url
    from relaygate.db.migrate import upgrade_to_head
    from relaygate.db.session import Database

    async def run() -> None:
        database = Database(database_url(dsn, Path("unused.db")), pool_size=1)
        try:
            await upgrade_to_head(database)
        finally:
            await database.dispose()

    run_async(run())


def sqlite_dsn(path: Path) -> str:
    """SQL_DSN for an SQLite file (any ``scheme://`` DSN passes through config.database_url)."""
    return f"sqlite+aiosqlite:///{path.resolve()}"


def dialect_of(dsn: str) -> str:
    """``sqlite``, ``postgres`` or ``mysql`` for a DSN this module handed out."""
    if not dsn or dsn.startswith("sqlite"):
        return "sqlite"
    if dsn.startswith(("postgres://", "postgresql")):
        return "postgres"
    return "mysql"


# ---------------------------------------------------------------------------------- PostgreSQL


@dataclass
class PostgresServer:
    """A PostgreSQL server we may create databases on (user ``postgres``, trust auth)."""

    host: str
    port: int
    user: str = "postgres"
    private_dir: Path | None = None
    created: list[str] = field(default_factory=list)

    def dsn(self, database: str) -> str:
        """new-api style DSN for SQL_DSN."""
        return f"postgres://{self.user}@{self.host}:{self.port}/{database}"

    async def _admin(self, *statements: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(
            host=self.host, port=self.port, user=self.user, database="postgres", timeout=10
        )
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """CREATE DATABASE (optionally cloned from a template); returns its name."""
        name = name or unique_name("relaygate_test")
        clause = f' TEMPLATE "{template}"' if template else ""
        run_async(self._admin(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return name

    def drop_database(self, name: str) -> None:
        """DROP DATABASE, disconnecting stragglers (PostgreSQL 13+)."""
        run_async(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        with contextlib.suppress(ValueError):
            self.created.remove(name)

    def close(self) -> None:
        """Drop what we created; stop and delete a private server."""
        if self.private_dir is None:
            for name in list(self.created):
                with contextlib.suppress(Exception):
                    self.drop_database(name)
            return
        pg_ctl = _pg_binary("pg_ctl")
        subprocess.run(
            _as_user(
                _service_user(),
                [pg_ctl, "-D", str(self.private_dir / "data"), "-m", "immediate", "-w", "stop"],
            ),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.private_dir, ignore_errors=True)


def _pg_binary(name: str) -> str:
    for directory in PG_BIN_DIRS:
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise ServiceUnavailable(f"PostgreSQL: no {name} binary (apt-get install postgresql)")
    return found


async def _pg_usable(host: str, port: int) -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(
            host=host, port=port, user="postgres", database="postgres", timeout=3
        )
    except Exception:
        return False
    try:
        return bool(
            await conn.fetchval(
                "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
            )
        )
    finally:
        await conn.close()


def _launch_postgres() -> PostgresServer:
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    user = _service_user()
    root = Path(tempfile.mkdtemp(prefix="relaygate-pg-"))
    if user is not None:
        shutil.chown(root, user=user)
    data, log = root / "data", root / "server.log"
    subprocess.run(
        _as_user(
            user,
            [
                initdb,
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        ),
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = " ".join(["-p", str(port), "-k", str(root), "-h", "127.0.0.1", *PG_FAST])
    subprocess.run(
        _as_user(
            user,
            [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start"],
        ),
        check=True,
        capture_output=True,
    )
    return PostgresServer(host="127.0.0.1", port=port, private_dir=root)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """127.0.0.1:5432 when it lets user postgres create databases, else a private initdb cluster."""
    if (
        not PRIVATE_ONLY
        and port_open("127.0.0.1", 5432)
        and run_async(_pg_usable("127.0.0.1", 5432))
    ):
        server = PostgresServer(host="127.0.0.1", port=5432)
    else:
        server = _launch_postgres()
    try:
        yield server
    finally:
        server.close()


@contextlib.contextmanager
def postgres_dsn() -> Iterator[str]:
    """A DSN (``postgres://postgres@host:port/relaygate_test_…``) to a fresh, empty database."""
    with postgres_server() as server:
        yield server.dsn(server.create_database())


# ------------------------------------------------------------------------------------- MariaDB


@dataclass
class MySQLServer:
    """A MariaDB/MySQL server reachable as root without a password over TCP."""

    host: str
    port: int
    user: str = "root"
    private_dir: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    created: list[str] = field(default_factory=list)

    def dsn(self, database: str) -> str:
        """new-api (Go driver) style DSN for SQL_DSN."""
        return f"{self.user}@tcp({self.host}:{self.port})/{database}"

    async def _admin(self, *statements: str) -> list[tuple[Any, ...]]:
        import aiomysql

        conn = await aiomysql.connect(
            host=self.host, port=self.port, user=self.user, password="", autocommit=True
        )
        rows: list[tuple[Any, ...]] = []
        try:
            async with conn.cursor() as cursor:
                for statement in statements:
                    await cursor.execute(statement)
                    rows = list(await cursor.fetchall())
        finally:
            conn.close()
        return rows

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """CREATE DATABASE; with a template, copy its tables and rows (MySQL has no TEMPLATE)."""
        name = name or unique_name("relaygate_test")
        run_async(
            self._admin(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        )
        self.created.append(name)
        if template:
            run_async(self._clone(template, name))
        return name

    async def _clone(self, template: str, name: str) -> None:
        tables = await self._admin(
            "SELECT table_name FROM information_schema.tables "
            f"WHERE table_schema = '{template}' AND table_type = 'BASE TABLE'"
        )
        statements: list[str] = []
        for (table,) in tables:
            statements.append(f"CREATE TABLE `{name}`.`{table}` LIKE `{template}`.`{table}`")
            statements.append(
                f"INSERT INTO `{name}`.`{table}` SELECT * FROM `{template}`.`{table}`"
            )
        if statements:
            await self._admin(*statements)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE IF EXISTS."""
        run_async(self._admin(f"DROP DATABASE IF EXISTS `{name}`"))
        with contextlib.suppress(ValueError):
            self.created.remove(name)

    def close(self) -> None:
        """Drop what we created; stop and delete a private server."""
        if self.process is None:
            for name in list(self.created):
                with contextlib.suppress(Exception):
                    self.drop_database(name)
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.private_dir is not None:
            shutil.rmtree(self.private_dir, ignore_errors=True)


async def _mysql_usable(host: str, port: int) -> bool:
    import aiomysql

    try:
        conn = await aiomysql.connect(
            host=host, port=port, user="root", password="", connect_timeout=3
        )
    except Exception:
        return False
    conn.close()
    return True


def _launch_mysql() -> MySQLServer:
    mariadbd = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/usr/libexec")
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    if mariadbd is None or install is None:
        raise ServiceUnavailable(
            "MariaDB: no mariadbd / mariadb-install-db (apt-get install mariadb-server)"
        )
    root = Path(tempfile.mkdtemp(prefix="relaygate-mysql-"))
    data, log = root / "data", root / "server.log"
    user = "root" if os.geteuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
    subprocess.run(
        [
            install,
            "--no-defaults",
            f"--datadir={data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            f"--user={user}",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                mariadbd, "--no-defaults", f"--user={user}", f"--datadir={data}",
                f"--socket={root / 'mysqld.sock'}", f"--port={port}", "--bind-address=127.0.0.1",
                f"--pid-file={root / 'mysqld.pid'}", f"--log-error={log}", "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=0", "--innodb-buffer-pool-size=64M",
                "--innodb-doublewrite=0", "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = MySQLServer(host="127.0.0.1", port=port, private_dir=root, process=process)
    try:
        _wait_until(
            lambda: process.poll() is None and run_async(_mysql_usable("127.0.0.1", port)),
            60,
            "mariadbd",
            log,
        )
    except BaseException:
        server.close()
        raise
    return server


@contextlib.contextmanager
def mysql_server() -> Iterator[MySQLServer]:
    """127.0.0.1:3306 when root gets in without a password, else a private mariadbd."""
    if (
        not PRIVATE_ONLY
        and port_open("127.0.0.1", 3306)
        and run_async(_mysql_usable("127.0.0.1", 3306))
    ):
        server = MySQLServer(host="127.0.0.1", port=3306)
    else:
        server = _launch_mysql()
    try:
        yield server
    finally:
        server.close()


@contextlib.contextmanager
def mysql_dsn() -> Iterator[str]:
    """A DSN (``root@tcp(host:port)/relaygate_test_…``) to a fresh, empty database."""
    with mysql_server() as server:
        yield server.dsn(server.create_database())


# --------------------------------------------------------------------------------------- Redis


@dataclass
class RedisServer:
    """A Redis server and the db number this session owns."""

    host: str
    port: int
    db: int
    private_dir: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """REDIS_CONN_STRING value."""
        return f"redis://{self.host}:{self.port}/{self.db}"

    def flush(self) -> None:
        """FLUSHDB on our db only."""
        import redis

        with redis.Redis(host=self.host, port=self.port, db=self.db, socket_timeout=5) as client:
            client.flushdb()

    def close(self) -> None:
        """Flush a shared db; stop and delete a private server."""
        if self.process is None:
            with contextlib.suppress(Exception):
                self.flush()
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.private_dir is not None:
            shutil.rmtree(self.private_dir, ignore_errors=True)


def _redis_usable(host: str, port: int) -> bool:
    import redis

    try:
        with redis.Redis(
            host=host, port=port, socket_timeout=2, socket_connect_timeout=2
        ) as client:
            return bool(client.ping())
    except Exception:
        return False


def _launch_redis() -> RedisServer:
    binary = shutil.which("redis-server") or shutil.which(
        "redis-server", path="/usr/sbin:/usr/local/bin"
    )
    if binary is None:
        raise ServiceUnavailable("Redis: no redis-server binary (apt-get install redis-server)")
    root = Path(tempfile.mkdtemp(prefix="relaygate-redis-"))
    port = free_port()
    log = root / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(root),
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = RedisServer(host="127.0.0.1", port=port, db=0, private_dir=root, process=process)
    try:
        _wait_until(
            lambda: process.poll() is None and _redis_usable("127.0.0.1", port),
            20,
            "redis-server",
            log,
        )
    except BaseException:
        server.close()
        raise
    return server


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server; or 6379 db 15 when asked for (or when no binary is installed)."""
    want_shared = os.environ.get("RELAYGATE_TEST_REDIS", "") == "shared"
    have_binary = shutil.which("redis-server") is not None
    shared_ok = not PRIVATE_ONLY and (want_shared or not have_binary)
    if shared_ok and port_open("127.0.0.1", 6379) and _redis_usable("127.0.0.1", 6379):
        server = RedisServer(host="127.0.0.1", port=6379, db=15)
        server.flush()
    else:
        server = _launch_redis()
    try:
        yield server
    finally:
        server.close()


@contextlib.contextmanager
def redis_url() -> Iterator[str]:
    """``redis://host:port/db`` of an empty Redis database owned by this session."""
    with redis_server() as server:
        yield server.url
