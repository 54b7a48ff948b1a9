"""web/src/api/schema.d.ts must be generated from the app's current OpenAPI schema."""

from __future__ import annotations

import importlib.util
import re
import warnings
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_TS = REPO_ROOT / "web" / "src" / "api" / "schema.d.ts"


def test_api_types_are_current(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RELAYGATE_ENV", "dev")
    spec = importlib.util.spec_from_file_location(
        "dump_openapi", REPO_ROOT / "web" / "scripts" / "dump_openapi.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate operation ids are the routers' business
        current = module.schema_hash(module.canonical_schema())
    recorded = re.search(r"openapi-sha256: ([0-9a-f]{64})", SCHEMA_TS.read_text())
    assert recorded, "schema.d.ts has no openapi-sha256 header"
    assert recorded.group(1) == current, (
        "web/src/api/schema.d.ts is stale: run `cd web && npm run gen:api` and commit it"
    )
