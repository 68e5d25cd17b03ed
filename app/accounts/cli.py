"""`gridpatrol users create`: the same rules as POST /users, from a shell."""

from __future__ import annotations

import asyncio

import typer
from pydantic import ValidationError

from app.accounts import service
from app.accounts.actor import Role
from app.accounts.schemas import UserCreate
from app.core.clock import SystemClock
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.errors import AppError

users_cli = typer.Typer(no_args_is_help=True)


@users_cli.callback()
def users() -> None:
    """User accounts."""


@users_cli.command("create")
def create(
    username: str = typer.Option(..., help="sign-in name"),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="8+ characters; omit it to be prompted"
    ),
    role: Role = typer.Option(..., help="grid_worker | informant | operator | admin"),
    region_code: str | None = typer.Option(None, help="12-digit region code (operator, informant)"),
    grid_code: str | None = typer.Option(None, help="15-digit grid code (grid_worker, informant)"),
    sensitive_clearance: bool = typer.Option(False, help="may see sensitive cases"),
    display_name: str | None = typer.Option(None, help="name shown to others"),
    phone: str | None = typer.Option(None, help="contact phone number"),
) -> None:
    """Create a user in the configured database (GRIDPATROL_DATABASE_URL)."""
    try:
        data = UserCreate(
            username=username,
            password=password,
            role=role,
            region_code=region_code,
            grid_code=grid_code,
            sensitive_clearance=sensitive_clearance,
            display_name=display_name,
            phone=phone,
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "input"
            typer.echo(f"{field}: {error['msg']}", err=True)
        raise typer.Exit(2) from exc
    try:
        user_id = asyncio.run(_create(Settings(), data))
    except AppError as exc:
        typer.echo(f"{exc.field or 'error'}: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"created user {data.username} ({data.role.value}) with id {user_id}")


async def _create(settings: Settings, data: UserCreate) -> int:
    engine = make_engine(settings.resolved_database_url(), pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            user = await service.create_user(session, data, now=SystemClock().now())
        return user.id
    finally:
        await engine.dispose()
