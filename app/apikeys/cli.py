"""`gridpatrol apikeys create|list|revoke`: the same as the admin API, from a shell."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from app.apikeys import service
from app.core.clock import SystemClock
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.errors import AppError
from app.core.ids import as_id

apikeys_cli = typer.Typer(no_args_is_help=True, help="API keys of systems (Open311 clients)")
T = TypeVar("T")


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def go() -> T:
        engine = make_engine(Settings().resolved_database_url(), pool_size=1)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except AppError as exc:
        typer.echo(f"{exc.field or 'error'}: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


@apikeys_cli.command("create")
def create(
    name: str = typer.Option(..., help="who holds the key"),
    region_code: str = typer.Option(..., help="12-digit town, county or city code its requests land in"),
) -> None:
    """Make a key and print it (once: only its hash is stored)."""
    now = SystemClock().now()
    issued = _run(lambda s: service.create_key(s, name=name, region_code=region_code, created_by_id=None, now=now))
    typer.echo(f"id {issued.row.id}  principal {issued.principal}\n{issued.key}")


@apikeys_cli.command("list")
def list_keys() -> None:
    """Every key: id, prefix, region, name, and whether it is revoked."""
    for key, _ in _run(service.list_keys):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        typer.echo(f"{key.id}\t{key.prefix}\t{key.region_code}\t{state}\t{key.name}")


@apikeys_cli.command("revoke")
def revoke(key_id: str = typer.Argument(..., help="the key's id (from list)")) -> None:
    """Revoke a key: it stops working at once."""
    parsed = as_id(key_id)
    if parsed is None:
        typer.echo("id: not a key id", err=True)
        raise typer.Exit(2)
    now = SystemClock().now()
    key, _ = _run(lambda s: service.revoke_key(s, parsed, now=now))
    typer.echo(f"revoked key {key.id} ({key.prefix})")
