"""One worker process of the SKIP LOCKED race test (tests/core/test_jobs.py::TestTwoProcessRace).

    python tests/core/job_race_worker.py <database_url> <worker_name> <seconds>

Registers a handler for ``test.race`` that inserts (job_id, worker) into ``job_effect``, prints
"ready", waits for a line on stdin (the start gun, fired once the jobs are committed), runs a real
JobWorker loop until no ``test.race`` job is pending (or ``seconds`` pass) and prints its counters
as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, select, text

from app.core.clock import SystemClock
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.jobs import JobContext, JobRegistry, JobWorker
from app.core.jobs.models import Job

KIND = "test.race"


async def main(url: str, name: str, seconds: float) -> None:
    engine = make_engine(url, pool_size=2)
    sessionmaker = make_sessionmaker(engine)

    async def record_effect(ctx: JobContext, payload: dict[str, Any]) -> None:
        await ctx.session.execute(
            text("INSERT INTO job_effect (job_id, worker) VALUES (:job_id, :worker)"),
            {"job_id": ctx.job_id, "worker": name},
        )

    registry = JobRegistry()
    registry.register(KIND, record_effect)
    settings = Settings(database_url=url, job_poll_interval_s=0.01, job_batch_size=20)
    worker = JobWorker(sessionmaker, registry, SystemClock(), settings, worker_id=name)

    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    started = time.monotonic()
    worker.start()
    while time.monotonic() - started < seconds:
        await asyncio.sleep(0.05)
        async with sessionmaker() as session:
            pending = await session.scalar(
                select(func.count()).select_from(Job).where(Job.kind == KIND, Job.status == "pending")
            )
        if pending == 0:
            break
    await worker.stop()
    elapsed = time.monotonic() - started
    await engine.dispose()
    counters = worker.counters
    print(json.dumps({"worker": name, "ran": counters.ran, "done": counters.done, "seconds": round(elapsed, 3)}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
