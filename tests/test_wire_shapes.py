"""Across the API, one rule for times and one shape for positions, whatever the client sent.

A phone sends its times with +08:00 and its positions in GCJ-02; every answer along a working day
(patrol, check-in, visit, report, photo, the centre's view) writes every time in UTC with `Z`, and
every position as {lat, lon, crs, accuracy_m}.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from typing import Any

import httpx
import pytest

from app.geo.coords import Crs, from_wgs84
from tests import factories as f
from tests.media import images
from tests.worlds import World, report_body, world  # noqa: F401  (the world fixture)

API = "/api/v1"
SHANGHAI = timezone(timedelta(hours=8))
T0 = (f.NOW - timedelta(hours=1)).astimezone(SHANGHAI)  # 09:00 local, written +08:00
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")
POSITION_KEYS = {"lat", "lon", "crs", "accuracy_m"}


def gcj02(lat: float, lon: float, accuracy_m: float = 6.0) -> dict[str, Any]:
    g_lat, g_lon = from_wgs84(lat, lon, Crs.GCJ02)
    return {"lat": g_lat, "lon": g_lon, "crs": "gcj02", "accuracy_m": accuracy_m}


def findings(value: Any, where: str = "") -> tuple[list[str], list[str], int, int]:
    """(times without Z, positions of another shape, times seen, positions seen) anywhere in a JSON value."""
    bad_times: list[str] = []
    bad_positions: list[str] = []
    times = positions = 0
    if isinstance(value, str) and TIME.match(value):
        times += 1
        if not value.endswith("Z"):
            bad_times.append(f"{where}={value}")
    elif isinstance(value, dict):
        if {"lat", "lon"} & set(value):
            positions += 1
            if set(value) != POSITION_KEYS:
                bad_positions.append(f"{where}: {sorted(value)}")
        for key, item in value.items():
            found = findings(item, f"{where}.{key}")
            bad_times += found[0]
            bad_positions += found[1]
            times, positions = times + found[2], positions + found[3]
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = findings(item, f"{where}[{index}]")
            bad_times += found[0]
            bad_positions += found[1]
            times, positions = times + found[2], positions + found[3]
    return bad_times, bad_positions, times, positions


class Day:
    def __init__(self, client: httpx.AsyncClient, people: World) -> None:
        self.client, self.world = client, people
        self.answers: list[tuple[str, Any]] = []

    async def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.client.request(method, API + path, headers=self.world[who], **kwargs)
        assert response.status_code < 300, (path, response.text)
        body = response.json()
        self.answers.append((f"{method} {path}", body))
        return body

    async def worker(self) -> str:
        patrol = await self.call("worker_a", "POST", "/patrols", json={"client_id": "p", "started_at": T0.isoformat()})
        pid = patrol["id"]
        fix = {"seq": 1, "t": (T0 + timedelta(minutes=1)).isoformat(), **gcj02(32.005, 120.905)}
        fix.pop("crs")
        await self.call("worker_a", "POST", f"/patrols/{pid}/points", json={"crs": "gcj02", "points": [fix]})
        checkin = {"client_id": "c", "t": (T0 + timedelta(minutes=2)).isoformat(), "location": gcj02(32.005, 120.905)}
        await self.call("worker_a", "POST", f"/patrols/{pid}/checkins", json=checkin)
        visit = {"client_id": "v", "t": (T0 + timedelta(minutes=3)).isoformat(), "household": "3组12号", "note": "ok",
                 "location": gcj02(32.006, 120.905)}  # fmt: skip
        await self.call("worker_a", "POST", "/visits", json=visit, params={"crs": "gcj02"})
        await self.call(
            "worker_a", "POST", f"/patrols/{pid}/end", json={"ended_at": (T0 + timedelta(minutes=30)).isoformat()}
        )
        for path in (f"/patrols/{pid}", "/me/duty", "/users/me", "/me/tasks", f"/grids/{f.VILLAGE_A}001"):
            await self.call("worker_a", "GET", path)
        await self.call("worker_a", "GET", "/grids/locate", params=gcj02(32.005, 120.905))
        body = report_body(occurred_at=T0.isoformat(), location=gcj02(32.004, 120.904))
        report = await self.call("worker_a", "POST", "/reports", json=body)
        photo = {"file": ("p.jpg", images.jpeg(), "image/jpeg")}
        await self.call("worker_a", "POST", f"/reports/{report['id']}/attachments", files=photo)
        return str(report["id"])

    async def centre(self, report_id: str) -> None:
        await self.call("town_a", "POST", f"/reports/{report_id}/actions", json={"action": "accept", "version": 1})
        for path in (f"/reports/{report_id}", f"/reports/{report_id}/timeline", f"/reports/{report_id}/attachments",
                     "/reports", f"/centres/{f.TOWN_A}/queue", "/duty", f"/regions/{f.TOWN_A}"):  # fmt: skip
            await self.call("town_a", "GET", path)
        await self.call("admin", "PUT", "/holidays/2026-12-31", json={"is_workday": False, "name": "x"})
        for path in ("/holidays", "/policies/active", "/users"):
            await self.call("admin", "GET", path)


async def test_every_time_is_utc_with_z_and_every_position_has_the_one_shape(
    client: httpx.AsyncClient,
    world: World,  # noqa: F811
) -> None:
    day = Day(client, world)
    await day.centre(await day.worker())
    bad_times, bad_positions, times, positions = [], [], 0, 0
    for call, body in day.answers:
        found = findings(body, call)
        bad_times += found[0]
        bad_positions += found[1]
        times, positions = times + found[2], positions + found[3]
    assert bad_times == []
    assert bad_positions == []
    assert times > 50 and positions > 15  # the walk really met them


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
async def test_positions_are_answered_in_the_crs_asked_for(
    client: httpx.AsyncClient,
    world: World,  # noqa: F811
    crs: str,
) -> None:
    body = report_body(location={"lat": 32.005, "lon": 120.905, "crs": "wgs84", "accuracy_m": 4})
    created = await client.post(f"{API}/reports", json=body, headers=world["worker_a"])
    report = (await client.get(f"{API}/reports/{created.json()['id']}?crs={crs}", headers=world["worker_a"])).json()
    lat, lon = from_wgs84(32.005, 120.905, Crs(crs))
    assert report["location"] == {"lat": pytest.approx(lat), "lon": pytest.approx(lon), "crs": crs, "accuracy_m": 4}
    assert report["raw_location"] == {"lat": 32.005, "lon": 120.905, "crs": "wgs84", "accuracy_m": 4}
