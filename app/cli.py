"""gridpatrol serve | db upgrade | db rebuild-stats | seed-demo | users create | apikeys create|list|revoke."""

from __future__ import annotations

import asyncio
import logging

import typer
import uvicorn

from app.accounts.cli import users_cli
from app.apikeys.cli import apikeys_cli
from app.core.config import Settings
from app.core.migrate import upgrade_to_head
from app.core.requestid import configure_logging
from app.demo.cli import seed_demo

cli = typer.Typer(help="GridPatrol: grid governance service", no_args_is_help=True)
db_cli = typer.Typer(help="Database maintenance")
cli.add_typer(db_cli, name="db")
cli.add_typer(users_cli, name="users")
cli.add_typer(apikeys_cli, name="apikeys")
cli.command("seed-demo")(seed_demo)
log = logging.getLogger("gridpatrol")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Migrate the configured database to the newest schema."""
    settings = Settings()
    upgrade_to_head(settings.resolved_database_url())
    typer.echo("database is at head")


@db_cli.command("rebuild-stats")
def db_rebuild_stats() -> None:
    """Recompute the centre figures' per-case facts and daily rollup from every case's timeline."""
    from app.dashboards.stats.facts import rebuild_all

    settings = Settings()
    done = asyncio.run(rebuild_all(settings.resolved_database_url(), settings.timezone))
    typer.echo(f"figures rebuilt from the timelines of {done} cases")


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to bind"),
    port: int = typer.Option(8000, help="port to bind"),
    workers: int = typer.Option(1, help="worker processes"),
) -> None:
    """Migrate the database to head, create the first admin if asked to, then serve the API."""
    settings = Settings()
    configure_logging(settings.log_level)
    upgrade_to_head(settings.resolved_database_url())
    from app.accounts.bootstrap import ensure_admin

    asyncio.run(ensure_admin(settings))
    uvicorn.run(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        proxy_headers=True,
    )


def main() -> None:
    cli()
