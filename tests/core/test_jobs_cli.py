"""`gridpatrol jobs dead` and `gridpatrol jobs redrive ID` as an operator types them (the CLI, its own engine)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from app.cli import cli
from app.core.jobs.models import Job

pytestmark = pytest.mark.real_transactions  # the CLI opens an engine of its own

DIED = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)


def _run(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["jobs", *args], env={"GRIDPATROL_DATABASE_URL": database_url})


async def _job(session: AsyncSession, kind: str, status: str, error: str | None) -> int:
    job = Job(kind=kind, payload={"n": 1}, status=status, run_at=DIED, attempts=8, max_attempts=8,
              last_error=error, created_at=DIED, finished_at=DIED if status != "pending" else None)  # fmt: skip
    session.add(job)
    await session.flush()
    return job.id


async def _state(session: AsyncSession, job_id: int) -> tuple[str, int, datetime | None]:
    row = (await session.execute(select(Job.status, Job.attempts, Job.finished_at).where(Job.id == job_id))).one()
    await session.commit()
    return row.status, row.attempts, row.finished_at


class TestJobsCli:
    async def test_dead_lists_dead_jobs_only(self, database_url: str, session: AsyncSession) -> None:
        dead = await _job(session, "test.cli_dead", "dead", "ConnectError: refused")
        await _job(session, "test.cli_done", "done", None)
        await session.commit()
        result = await asyncio.to_thread(_run, database_url, "dead")
        assert result.exit_code == 0, result.output
        lines = [line.split("\t") for line in result.output.splitlines() if line.startswith(f"{dead}\t")]
        assert lines == [[str(dead), "test.cli_dead", "8", DIED.isoformat(), "ConnectError: refused"]]
        assert "test.cli_done" not in result.output

    async def test_redrive_makes_a_dead_job_pending_again(self, database_url: str, session: AsyncSession) -> None:
        dead = await _job(session, "test.cli_dead", "dead", "boom")
        await session.commit()
        result = await asyncio.to_thread(_run, database_url, "redrive", str(dead))
        assert (result.exit_code, result.output.strip()) == (0, f"job {dead} is pending again")
        assert await _state(session, dead) == ("pending", 0, None)
        listed = await asyncio.to_thread(_run, database_url, "dead")
        assert f"{dead}\t" not in listed.output

    async def test_redrive_refuses_a_job_that_is_not_dead(self, database_url: str, session: AsyncSession) -> None:
        done = await _job(session, "test.cli_done", "done", None)
        await session.commit()
        result = await asyncio.to_thread(_run, database_url, "redrive", str(done))
        assert result.exit_code == 1
        assert f"job {done} is done, not dead" in result.output
        assert (await _state(session, done))[0] == "done"

    @pytest.mark.parametrize("job_id", ["99999999", "abc", "1\x00"])
    async def test_redrive_refuses_unknown_and_malformed_ids(self, database_url: str, job_id: str) -> None:
        result = await asyncio.to_thread(_run, database_url, "redrive", job_id)
        assert result.exit_code == 1
        assert "pending again" not in result.output
        assert result.output.strip()  # it says why
