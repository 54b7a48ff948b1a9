"""Command line: ``relaygate serve`` | ``relaygate migrate``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from relaygate.config import Settings


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import subprocess

    import uvicorn

    if settings.is_master:
        # migrate in a child process so the server never imports alembic (see db/migrate.py)
        subprocess.run([sys.executable, "-m", "relaygate", "migrate"], check=True)

    from relaygate.app import create_app

    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        access_log=args.access_log,
        log_level="info",
        timeout_graceful_shutdown=30,
        proxy_headers=True,
        forwarded_allow_ips="*" if args.trust_proxy else None,
    )


def _migrate(settings: Settings) -> None:
    from relaygate.db.migrate import upgrade_to_head
    from relaygate.db.session import Database

    async def run() -> None:
        database = Database(settings.database_url)
        try:
            await upgrade_to_head(database)
        finally:
            await database.dispose()

    asyncio.run(run())
    sys.stdout.write(f"migrated {settings.database_url.split('@')[-1]}\n")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``relaygate`` console script."""
    parser = argparse.ArgumentParser(prog="relaygate", description="LLM API relay gateway")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the gateway (default)")
    serve.add_argument("--host", default="")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--access-log", action="store_true")
    serve.add_argument("--trust-proxy", action="store_true", help="honour X-Forwarded-For")
    sub.add_parser("migrate", help="apply database migrations and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    if args.command == "migrate":
        _migrate(settings)
    else:
        if args.command is None:
            args = serve.parse_args([])
        _serve(settings, args)


if __name__ == "__main__":
    main()
