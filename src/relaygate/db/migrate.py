"""Apply alembic migrations from inside the app (start-up) or the ``relaygate migrate`` command."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from relaygate.db.session import Database

ROOT = Path(__file__).resolve().parents[3]


def alembic_config() -> Config:
    """The project's alembic configuration, wherever the process was started."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


async def upgrade_to_head(database: Database) -> None:
    """Bring the schema to the newest revision on the database's own engine."""
    config = alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with database.engine.begin() as connection:
        await connection.run_sync(run)
