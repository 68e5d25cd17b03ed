"""A phone offline for a whole day syncs in a few dozen requests, in any order; doing it twice changes nothing.

The day (2026-11-27, local): a patrol of 10,000 one-second fixes inside the worker's grid, 50 reports,
20 photos on 10 of them, a check-in and household visits. The phone comes back online the next
morning and sends everything; some answers are "lost" on the way, so it sends some things again,
and photos go up addressed by the report's client id before the report's own second attempt.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Attachment, DutyDay, MediaBlob, Patrol, Report, ReportEvent, TrackPoint
from tests import factories as f
from tests.media import images

API = "/api/v1"
LOCAL = ZoneInfo("Asia/Shanghai")
DAY_START = datetime(2026, 11, 27, 8, 0, tzinfo=LOCAL)
LON0, LAT0, SIZE = 120.90, 32.00, 0.01  # grid A


def lawnmower(n: int) -> list[dict[str, Any]]:
    """n fixes a second apart, walking at 1.2 m/s in rows 60 m apart, inside the grid."""
    m_lon = 111_320 * math.cos(math.radians(LAT0))
    row_len, step = 900.0, 1.2
    points = []
    for i in range(n):
        along = i * step
        row, offset = divmod(along, row_len)
        x = offset if int(row) % 2 == 0 else row_len - offset
        lat = LAT0 + 0.0005 + (60 * (row % 14)) / 111_320
        points.append(
            {
                "seq": i,
                "t": (DAY_START + timedelta(seconds=i)).isoformat(),
                "lat": lat,
                "lon": LON0 + 0.0005 + x / m_lon,
                "accuracy_m": 6.0,
            }
        )
    return points


def reports() -> list[dict[str, Any]]:
    categories = ["safety.fire", "environment.garbage", "dispute.neighbour", "infrastructure.road"]
    return [
        {"client_id": f"uuid:offline-report-{n}", "category": categories[n % 4], "description": f"Seen on patrol, #{n}",
         "location": {"lat": LAT0 + 0.001 + n * 0.00015, "lon": LON0 + 0.002, "crs": "wgs84", "accuracy_m": 8},
         "occurred_at": (DAY_START + timedelta(minutes=3 * n)).isoformat()}
        for n in range(50)
    ]  # fmt: skip


class Phone:
    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client, self.headers, self.requests = client, headers, 0

    async def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.requests += 1
        response = await self.client.request(method, API + path, headers=self.headers, **kwargs)
        assert response.status_code < 300, (path, response.text)
        return response

    async def sync_the_day(self, rng: random.Random) -> None:
        patrol = (
            await self.send(
                "POST", "/patrols", json={"client_id": "uuid:offline-patrol", "started_at": DAY_START.isoformat()}
            )
        ).json()
        fixes = lawnmower(10_000)
        batches = [fixes[i : i + 1000] for i in range(0, len(fixes), 1000)]
        rng.shuffle(batches)
        for batch in [*batches[:4], batches[1], *batches[4:]]:  # one answer lost: that batch goes twice
            await self.send("POST", f"/patrols/{patrol['id']}/points", json={"crs": "wgs84", "points": batch})
        await self.send(
            "POST",
            f"/patrols/{patrol['id']}/checkins",
            json={
                "client_id": "uuid:offline-checkin",
                "t": (DAY_START + timedelta(hours=1)).isoformat(),
                "location": {"lat": LAT0 + 0.005, "lon": LON0 + 0.005, "crs": "wgs84", "accuracy_m": 5},
                "note": "nothing abnormal",
            },
        )
        items = reports()
        await self.send("POST", "/reports/batch", json={"items": items[:25]})  # this answer is lost
        for n in range(10):  # photos, addressed by client id, before the reports' second attempt
            for k in range(2):
                photo = images.jpeg(seed=100 + 2 * n + k, size=(160, 120))
                await self.send(
                    "POST",
                    f"/reports/client:uuid:offline-report-{n}/attachments",
                    files={"file": (f"p{k}.jpg", photo, "image/jpeg")},
                    data={"client_id": f"uuid:offline-photo-{n}-{k}"},
                )
        await self.send("POST", "/reports/batch", json={"items": items})  # second attempt, all 50
        for n in range(3):
            await self.send(
                "POST",
                "/visits",
                json={
                    "client_id": f"uuid:offline-visit-{n}",
                    "t": (DAY_START + timedelta(minutes=20 * n)).isoformat(),
                    "household": f"Household {n + 1}",
                    "note": "Elderly couple, all well",
                },
            )
        end_at = (DAY_START + timedelta(seconds=10_000)).isoformat()
        await self.send("POST", f"/patrols/{patrol['id']}/end", json={"ended_at": end_at})  # fmt: skip


async def snapshot(session: AsyncSession) -> dict[str, Any]:
    async def count(model: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    patrol = (await session.execute(select(Patrol))).scalar_one()
    duty = (await session.execute(select(DutyDay))).scalar_one()
    return {
        "reports": await count(Report), "timeline": await count(ReportEvent), "attachments": await count(Attachment),
        "blobs": await count(MediaBlob), "points": await count(TrackPoint),
        "patrol": (patrol.status, round(patrol.minutes_in_grid, 3), round(patrol.distance_m, 1),
                   round(patrol.coverage, 4)),
        "duty": (str(duty.day), round(duty.minutes_in_grid, 3)),
    }  # fmt: skip


@pytest.mark.slow
class TestOfflineDay:
    async def test_the_day_syncs_in_a_few_dozen_requests_and_a_replay_changes_nothing(
        self, app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await f.make_geography(session)
        grid = await f.make_grid(session, village=f.VILLAGE_A, lon=LON0, lat=LAT0, size=SIZE)
        worker = await f.make_user(session, "worker_a", "grid_worker", grid=grid)
        operator = await f.make_user(session, "town_a", "operator", region_code=f.TOWN_A)
        phone = Phone(client, await f.mint_token(app, session, worker))

        await phone.sync_the_day(random.Random(1))
        first = await snapshot(session)
        assert phone.requests <= 45
        assert (first["reports"], first["timeline"], first["attachments"], first["points"]) == (50, 50, 20, 10_000)
        assert first["blobs"] == 20
        assert first["patrol"][0] == "ended" and first["patrol"][1] > 120 and first["patrol"][3] > 0.3
        duty = (await client.get(f"{API}/duty", params={"date": "2026-11-27"},
                                 headers=await f.mint_token(app, session, operator))).json()  # fmt: skip
        [mine] = duty["items"]
        assert (mine["username"], mine["compliant"], mine["checkins"], mine["visits"]) == ("worker_a", True, 1, 3)

        await phone.sync_the_day(random.Random(2))  # the whole day again, in another order
        assert await snapshot(session) == first
