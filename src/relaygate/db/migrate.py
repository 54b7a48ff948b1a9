"""Apply alembic migrations from inside the app (start-up) or the ``relaygate migrate`` command.

Alembic (with Mako) costs ~12 MiB of resident memory once imported, so a server process only
imports it when the schema is behind: ``at_head`` reads the revision graph from the migration
files with a regex and compares it with ``alembic_version``. ``relaygate serve`` migrates in a
child process first, so the serving process never loads alembic at all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection

from relaygate.db.session import Database

if TYPE_CHECKING:
    from alembic.config import Config

ROOT = Path(__file__).resolve().parents[3]
VERSIONS = ROOT / "migrations" / "versions"
_REVISION = re.compile(r'^revision(?:: str)?\s*=\s*["\']([0-9a-zA-Z_]+)["\']', re.M)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)?\s*=\s*(.+)$", re.M)


def head_revisions() -> set[str]:
    """Revisions no other migration builds on, read from the files without importing alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        source = path.read_text()
        found = _REVISION.search(source)
        if found:
            revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down:
            parents.update(re.findall(r"[\"']([0-9a-zA-Z_]+)[\"']", down.group(1)))
    return revisions - parents


async def current_revisions(database: Database) -> set[str]:
    """What ``alembic_version`` holds (empty when the table does not exist yet)."""
    try:
        async with database.engine.connect() as connection:
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    except Exception:
        return set()
    return {row[0] for row in rows}


async def at_head(database: Database) -> bool:
    """Whether the schema is at the newest revision."""
    heads = head_revisions()
    return bool(heads) and await current_revisions(database) == heads


def alembic_config() -> Config:
    """The project's alembic configuration, wherever the process was started."""
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


async def upgrade_to_head(database: Database) -> None:
    """Bring the schema to the newest revision on the database's own engine (no-op at head)."""
    if await at_head(database):
        return
    from alembic import command

    config = alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")

    async with database.engine.begin() as connection:
        await connection.run_sync(run)
