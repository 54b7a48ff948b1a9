"""Test support: real service launchers, the mock upstream, and the gateway process helper.

Names are imported lazily so ``python -m tests.support.mock_upstream`` does not import its own
module twice, and importing one helper does not pull in the others' dependencies.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ApiUser": "gateway",
    "Gateway": "gateway",
    "GatewayError": "gateway",
    "MockUpstream": "mock_upstream",
    "RecordedRequest": "mock_upstream",
    "expected_usage": "mock_upstream",
    "MySQLServer": "services",
    "PostgresServer": "services",
    "RedisServer": "services",
    "ServiceUnavailable": "services",
    "dialect_of": "services",
    "migrate": "services",
    "mysql_dsn": "services",
    "postgres_dsn": "services",
    "redis_url": "services",
    "sqlite_dsn": "services",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tests.support' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tests.support.{module}"), name)
