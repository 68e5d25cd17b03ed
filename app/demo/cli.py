"""`gridpatrol seed-demo`: migrate, then fill an empty database with the demo city."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.migrate import upgrade_to_head
from app.core.security import hash_password
from app.demo.people import DemoLogin
from app.demo.plan import build_city
from app.demo.seed import DEMO_PASSWORD, count_summary, has_regions, seed_city


def seed_demo(
    full: bool = typer.Option(False, "--full", help="Nantong at full size: 8,450 + 853 grids, a worker per grid."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Skip quietly when the database already has regions."),
) -> None:
    """Fill an empty database with a synthetic city modelled on Nantong (every password: gridpatrol-demo)."""
    url = Settings().resolved_database_url()
    upgrade_to_head(url)
    code = asyncio.run(run_seed(url, full=full, if_empty=if_empty, console=Console()))
    if code:
        raise typer.Exit(code)


async def run_seed(url: str, *, full: bool, if_empty: bool, console: Console) -> int:
    """The command's body; returns its exit code."""
    engine = make_engine(url, pool_size=1)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            if await has_regions(session):
                if if_empty:
                    console.print("The database already has regions; leaving it as it is.")
                    return 0
                console.print("[red]The database already has regions; seed-demo only fills an empty database.[/]")
                console.print("Use --if-empty to skip quietly, or point GRIDPATROL_DATABASE_URL at an empty one.")
                return 1
        started = time.perf_counter()
        plan = build_city(full=full)
        password_hash = hash_password(DEMO_PASSWORD)
        with _progress_bar(console) as bar:
            stages = ("regions", "grids", "users", "units", "unit members")
            tasks = {stage: bar.add_task(stage, total=None) for stage in stages}
            async with sessions() as session, session.begin():
                logins = await seed_city(
                    session,
                    plan,
                    password_hash=password_hash,
                    now=datetime.now(UTC),
                    progress=lambda stage, done, total: bar.update(tasks[stage], completed=done, total=total),
                )
        async with sessions() as session:
            summary = await count_summary(session)
        _print_summary(console, summary, logins, time.perf_counter() - started)
        return 0
    finally:
        await engine.dispose()


def _progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _print_summary(
    console: Console, summary: dict[str, dict[str, int]], logins: list[DemoLogin], seconds: float
) -> None:
    counts = Table(title=f"Demo city seeded in {seconds:.1f} s")
    counts.add_column("table")
    counts.add_column("kind")
    counts.add_column("rows", justify="right")
    for title, by_kind in summary.items():
        for kind, count in by_kind.items():
            counts.add_row(title, kind, f"{count:,}")
    console.print(counts)
    table = Table(title=f"Demo logins (password for every user: {DEMO_PASSWORD})")
    for column in ("username", "role", "where"):
        table.add_column(column)
    for login in logins:
        table.add_row(login.username, login.role, login.where)
    console.print(table)
    console.print(f"Demo password: [bold]{DEMO_PASSWORD}[/]")
