"""gridpatrol jobs dead | jobs redrive ID: dead durable jobs of any kind."""

from __future__ import annotations

import asyncio

import typer

from app.core.clock import SystemClock
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.errors import AppError
from app.core.ids import parse_id
from app.core.jobs import admin

jobs_cli = typer.Typer(help="Durable jobs: dead letters and redrive")


@jobs_cli.command("dead")
def dead(limit: int = typer.Option(100, help="at most this many, newest first")) -> None:
    """Dead jobs: id, kind, attempts, when it died, its last error."""

    async def run() -> None:
        engine = make_engine(Settings().resolved_database_url())
        try:
            async with make_sessionmaker(engine)() as session:
                for job in await admin.dead_jobs(session, limit):
                    died = job.finished_at.isoformat() if job.finished_at else "-"
                    typer.echo(f"{job.id}\t{job.kind}\t{job.attempts}\t{died}\t{(job.last_error or '')[:200]}")
        finally:
            await engine.dispose()

    asyncio.run(run())


@jobs_cli.command("redrive")
def redrive(job_id: str) -> None:
    """Run a dead job again (pending, due now, attempts from zero)."""

    async def run() -> None:
        engine = make_engine(Settings().resolved_database_url())
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                await admin.redrive(session, parse_id(job_id, "job"), SystemClock().now())
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except AppError as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"job {job_id} is pending again")
