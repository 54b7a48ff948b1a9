"""Test support: real service launchers, the mock upstream, and the gateway process helper."""

from tests.support.gateway import ApiUser, Gateway, GatewayError
from tests.support.mock_upstream import MockUpstream, RecordedRequest, expected_usage
from tests.support.services import (
    MySQLServer,
    PostgresServer,
    RedisServer,
    ServiceUnavailable,
    dialect_of,
    migrate,
    mysql_dsn,
    postgres_dsn,
    redis_url,
    sqlite_dsn,
)

__all__ = [
    "ApiUser",
    "Gateway",
    "GatewayError",
    "MockUpstream",
    "MySQLServer",
    "PostgresServer",
    "RecordedRequest",
    "RedisServer",
    "ServiceUnavailable",
    "dialect_of",
    "expected_usage",
    "migrate",
    "mysql_dsn",
    "postgres_dsn",
    "redis_url",
    "sqlite_dsn",
]
