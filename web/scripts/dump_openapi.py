"""Dump relaygate's OpenAPI schema as canonical JSON; print its sha256.

Used by ``npm run gen:api`` (web/scripts/gen-api.mjs) and by tests/web/test_api_types.py, which
compares the hash with the one recorded in web/src/api/schema.d.ts.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import orjson


def canonical_schema() -> bytes:
    """``create_app(Settings()).openapi()`` as sorted-key JSON bytes."""
    from relaygate.app import create_app
    from relaygate.config import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return orjson.dumps(create_app(settings).openapi(), option=orjson.OPT_SORT_KEYS)


def schema_hash(data: bytes) -> str:
    """The hash written into schema.d.ts."""
    return hashlib.sha256(data).hexdigest()


if __name__ == "__main__":
    data = canonical_schema()
    Path(sys.argv[1]).write_bytes(data)
    sys.stdout.write(schema_hash(data) + "\n")
