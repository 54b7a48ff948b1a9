"""E2E fixtures: one real gateway process per database backend for a module, the mock upstream."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.relay_env import RelayEnv
from tests.support.gateway import Gateway
from tests.support.mock_upstream import MockUpstream
from tests.support.services import PostgresServer, unique_name

GATEWAY_ENV = {
    "LOG_FLUSH_INTERVAL": "0.05",
    "STREAMING_TIMEOUT": "3",
    "SYNC_FREQUENCY": "3600",
    # room for the 100 MB upload test; the 413 test sends more than this
    "MAX_REQUEST_BODY_MB": "105",
}


def start_gateway(
    request: pytest.FixtureRequest, backend: str, data_dir: Path, env: dict[str, str] | None = None
) -> Iterator[Gateway]:
    dsn = ""
    server: PostgresServer | None = None
    name = ""
    if backend == "postgres":
        server = request.getfixturevalue("pg_server")
        name = server.create_database(unique_name("e2e"))
        dsn = server.dsn(name)
    gateway = Gateway(sql_dsn=dsn, data_dir=data_dir, env={**GATEWAY_ENV, **(env or {})})
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()
        gateway.cleanup()
        if server is not None:
            server.drop_database(name)


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def backend_gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    """A relaygate process for this module on SQLite or PostgreSQL."""
    yield from start_gateway(request, request.param, tmp_path_factory.mktemp("gw"))


@pytest.fixture
def env(backend_gateway: Gateway, mock_upstream: MockUpstream) -> Iterator[RelayEnv]:
    """The module's gateway plus the (reset) mock upstream; options reset after the test."""
    relay = RelayEnv(gateway=backend_gateway, mock=mock_upstream)
    yield relay
    relay.set_option("RetryTimes", "0")
    relay.set_option("AutomaticDisableChannelEnabled", "false")
