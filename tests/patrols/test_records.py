"""Check-ins and visits take and answer positions in the one shape: `location` {lat, lon, crs, accuracy_m}."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from app.geo.coords import Crs, from_wgs84
from tests.factories import NOW
from tests.patrols.conftest import INSIDE, World, start_patrol


def gcj02_inside(accuracy_m: float = 7.5) -> dict[str, object]:
    lat, lon = from_wgs84(*INSIDE, Crs.GCJ02)
    return {"lat": lat, "lon": lon, "crs": "gcj02", "accuracy_m": accuracy_m}


class TestCheckinLocation:
    async def test_a_checkin_takes_a_location_and_answers_it_in_the_crs_asked_for(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], NOW - timedelta(minutes=30))
        sent = gcj02_inside()
        body = {"client_id": "c-1", "t": NOW.isoformat(), "location": sent, "note": "nothing abnormal"}
        url = f"/api/v1/patrols/{patrol['id']}/checkins"
        created = await client.post(url, json=body, headers=world["worker_a"])
        assert created.status_code == 201, created.text
        answer = created.json()
        assert answer["inside_grid"] is True
        assert answer["raw_location"] == sent
        assert answer["location"] == {
            "lat": pytest.approx(INSIDE[0], abs=1e-7), "lon": pytest.approx(INSIDE[1], abs=1e-7),
            "crs": "wgs84", "accuracy_m": 7.5,
        }  # fmt: skip
        in_gcj = await client.post(url, params={"crs": "gcj02"}, json=body, headers=world["worker_a"])
        assert in_gcj.status_code == 200  # the replay, answered in GCJ-02
        assert in_gcj.json()["location"] == {**sent, "lat": pytest.approx(sent["lat"], abs=1e-7),
                                             "lon": pytest.approx(sent["lon"], abs=1e-7)}  # fmt: skip

    async def test_the_old_flat_shape_is_refused_naming_location(self, client: httpx.AsyncClient, world: World) -> None:
        patrol = await start_patrol(client, world["worker_a"], NOW - timedelta(minutes=30))
        body = {"client_id": "c-1", "t": NOW.isoformat(), "lat": INSIDE[0], "lon": INSIDE[1], "crs": "wgs84"}
        response = await client.post(f"/api/v1/patrols/{patrol['id']}/checkins", json=body, headers=world["worker_a"])
        assert response.status_code == 422 and response.json()["field"] == "location"


class TestVisitLocation:
    async def test_a_visit_answers_location_and_raw_location_with_accuracy(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        sent = gcj02_inside(12.0)
        body = {"client_id": "v-1", "t": NOW.isoformat(), "household": "3组12号", "note": "well", "location": sent}
        made = await client.post("/api/v1/visits", params={"crs": "bd09"}, json=body, headers=world["worker_a"])
        assert made.status_code == 201, made.text
        lat, lon = from_wgs84(*INSIDE, Crs.BD09)
        assert made.json()["location"] == {"lat": pytest.approx(lat, abs=1e-7), "lon": pytest.approx(lon, abs=1e-7),
                                           "crs": "bd09", "accuracy_m": 12.0}  # fmt: skip
        assert made.json()["raw_location"] == sent

    async def test_a_visit_without_a_position_answers_none(self, client: httpx.AsyncClient, world: World) -> None:
        body = {"client_id": "v-2", "t": NOW.isoformat(), "address": "Group 3", "note": "not home"}
        made = (await client.post("/api/v1/visits", json=body, headers=world["worker_a"])).json()
        assert (made["location"], made["raw_location"]) == (None, None)
