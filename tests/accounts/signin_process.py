"""Another GridPatrol process signing in (tests/accounts/test_throttle.py::TestAcrossProcesses).

    python tests/accounts/signin_process.py <database_url> <var_dir> <username> <password> <iso time>...

Builds its own app (own engine, own memory) on the same database, with a ManualClock set to each
time in turn, signs in once at each and prints one JSON line per attempt: {"status", "retry_after"}.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.core.clock import ManualClock
from app.core.config import Settings
from app.main import create_app


async def main(url: str, var_dir: str, username: str, password: str, times: list[str]) -> None:
    clock = ManualClock(datetime.fromisoformat(times[0]))
    settings = Settings(database_url=url, var_dir=Path(var_dir), jwt_secret="p" * 40, jobs_enabled=False)
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://other-process") as client:
        for when in times:
            clock.set(datetime.fromisoformat(when))
            response = await client.post("/api/v1/auth/token", json={"username": username, "password": password})
            print(json.dumps({"status": response.status_code, "retry_after": response.headers.get("retry-after")}))
    await app.state.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]))
