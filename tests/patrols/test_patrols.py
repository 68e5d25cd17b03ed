"""Patrols over HTTP: start (idempotent), track batches (replay-safe), end, reads and scoping."""

from __future__ import annotations

from datetime import timedelta, timezone

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.geo.coords import Crs, from_wgs84
from app.models import TrackPoint
from tests.factories import NOW
from tests.patrols.conftest import INSIDE, World, post_points, start_patrol, walk

URL = "/api/v1/patrols"
T0 = NOW - timedelta(hours=1)  # 09:00 local


async def stored_points(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(TrackPoint)) or 0)


class TestStartPatrol:
    async def test_a_grid_worker_starts_a_patrol_in_their_grid(self, client: httpx.AsyncClient, world: World) -> None:
        body = await start_patrol(client, world["worker_a"], T0)
        assert body["status"] == "open" and body["grid_code"] == "320602100201001"
        assert body["started_at"] == "2026-11-28T01:00:00Z" and isinstance(body["id"], str)
        assert (body["minutes_in_grid"], body["distance_m"], body["coverage"]) == (0, 0, 0)
        assert body["points"] == {"accepted": 0, "counted": 0, "rejected": 0}

    async def test_the_same_client_id_and_content_answers_the_same_patrol(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        first = await start_patrol(client, world["worker_a"], T0)
        again = await client.post(
            URL, json={"client_id": "p-1", "started_at": T0.isoformat()}, headers=world["worker_a"]
        )
        assert again.status_code == 200 and again.json() == first

    async def test_the_same_client_id_with_another_start_is_a_conflict(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await start_patrol(client, world["worker_a"], T0)
        other = T0 + timedelta(minutes=5)
        response = await client.post(
            URL, json={"client_id": "p-1", "started_at": other.isoformat()}, headers=world["worker_a"]
        )
        assert response.status_code == 409 and response.json()["field"] == "client_id"

    @pytest.mark.parametrize("who", ["town_a", "informant_a", "admin"])
    async def test_only_grid_workers_patrol(self, client: httpx.AsyncClient, world: World, who: str) -> None:
        response = await client.post(URL, json={"client_id": "p-1", "started_at": T0.isoformat()}, headers=world[who])
        assert response.status_code == 403

    async def test_a_start_in_the_future_is_refused(self, client: httpx.AsyncClient, world: World) -> None:
        later = NOW + timedelta(hours=2)
        response = await client.post(
            URL, json={"client_id": "p", "started_at": later.isoformat()}, headers=world["worker_a"]
        )
        assert response.status_code == 422 and response.json()["field"] == "started_at"


class TestUploadPoints:
    async def test_a_batch_is_stored_and_the_patrol_recomputed(self, client: httpx.AsyncClient, world: World) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        body = await post_points(client, world["worker_a"], patrol["id"], walk(T0, 31))  # 5 min, 300 m, inside
        assert (body["accepted"], body["duplicates"], body["rejected"]) == (31, 0, [])
        assert body["patrol"]["minutes_in_grid"] == pytest.approx(5.0)
        assert body["patrol"]["distance_m"] == pytest.approx(300.0, abs=1)
        assert body["patrol"]["coverage"] > 0

    async def test_a_replayed_batch_is_all_duplicates_and_changes_nothing(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        points = walk(T0, 31)
        first = await post_points(client, world["worker_a"], patrol["id"], points)
        again = await post_points(client, world["worker_a"], patrol["id"], points)
        assert (again["accepted"], again["duplicates"]) == (0, 31)
        assert again["patrol"] == first["patrol"]
        assert await stored_points(session) == 31

    async def test_a_partly_overlapping_batch_counts_only_new_seqs(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        points = walk(T0, 40)
        await post_points(client, world["worker_a"], patrol["id"], points[:25])
        body = await post_points(client, world["worker_a"], patrol["id"], points[20:] + points[20:22])
        assert (body["accepted"], body["duplicates"]) == (15, 7)
        assert body["patrol"]["points"]["accepted"] == 40

    async def test_batches_out_of_order_give_the_same_patrol_as_in_order(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        points = walk(T0, 90)
        in_order = await start_patrol(client, world["worker_a"], T0, client_id="in-order")
        for i in range(0, 90, 30):
            last = await post_points(client, world["worker_a"], in_order["id"], points[i : i + 30])
        await client.post(f"{URL}/{in_order['id']}/end", headers=world["worker_a"])  # one open patrol at a time
        shuffled = await start_patrol(client, world["worker_a"], T0, client_id="shuffled")
        for i in (60, 0, 30):
            other = await post_points(client, world["worker_a"], shuffled["id"], list(reversed(points[i : i + 30])))
        for key in ("minutes_in_grid", "distance_m", "coverage", "points"):
            assert last["patrol"][key] == other["patrol"][key]
        assert last["patrol"]["minutes_in_grid"] == pytest.approx(89 * 10 / 60, abs=0.01)

    async def test_a_batch_a_day_late_after_the_end_is_accepted(
        self, client: httpx.AsyncClient, world: World, app: object, session: AsyncSession, clock: object
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        await post_points(client, world["worker_a"], patrol["id"], walk(T0, 31))
        ended = await client.post(f"{URL}/{patrol['id']}/end", headers=world["worker_a"])
        assert ended.status_code == 200 and ended.json()["status"] == "ended"
        clock.advance(timedelta(days=1, hours=2))  # type: ignore[attr-defined]
        await world.sign_in_again(app, session)  # type: ignore[arg-type]
        late = walk(T0 + timedelta(seconds=310), 30, first_seq=32, origin=(INSIDE[0] + 310 / 111_195.0, INSIDE[1]))
        body = await post_points(client, world["worker_a"], patrol["id"], late)
        assert body["accepted"] == 30
        assert body["patrol"]["minutes_in_grid"] == pytest.approx(10.0, abs=0.01)
        assert body["patrol"]["status"] == "ended"

    async def test_points_in_gcj02_are_stored_as_wgs84_with_the_raw_value_kept(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        raw_lat, raw_lon = from_wgs84(*INSIDE, Crs.GCJ02)
        point = {"seq": 1, "t": T0.isoformat(), "lat": raw_lat, "lon": raw_lon, "accuracy_m": 5}
        await post_points(client, world["worker_a"], patrol["id"], [point], crs="gcj02")
        row = (await session.execute(select(TrackPoint))).scalar_one()
        assert (row.lat, row.lon) == (pytest.approx(INSIDE[0], abs=1e-7), pytest.approx(INSIDE[1], abs=1e-7))
        assert (row.raw_lat, row.raw_lon, row.raw_crs) == (raw_lat, raw_lon, "gcj02")

    async def test_malformed_points_are_rejected_one_by_one(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        points = walk(T0, 4)
        points[1]["t"] = (NOW + timedelta(hours=3)).isoformat()
        points[2]["lat"] = 123.0
        points[3]["t"] = (T0 - timedelta(hours=5)).isoformat()
        body = await post_points(client, world["worker_a"], patrol["id"], points)
        assert body["accepted"] == 1
        reasons = [(r["seq"], r["reason"]) for r in body["rejected"]]
        assert reasons == [(2, "future"), (3, "bad_coordinates"), (4, "before_start")]
        assert await stored_points(session) == 1

    async def test_implausible_points_are_kept_with_their_reason_and_not_counted(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        points = walk(T0, 10)
        points[3]["mock"] = True
        points[5]["accuracy_m"] = 120
        body = await post_points(client, world["worker_a"], patrol["id"], points)
        assert body["accepted"] == 10 and body["rejected"] == []
        assert body["patrol"]["points"] == {"accepted": 10, "counted": 8, "rejected": 2}
        track = (await client.get(f"{URL}/{patrol['id']}/track", headers=world["worker_a"])).json()
        rejected = [(f["properties"]["seq"], f["properties"]["reason"]) for f in track["features"]
                    if f["properties"]["kind"] == "rejected"]  # fmt: skip
        assert rejected == [(4, "mock_location"), (6, "low_accuracy")]

    async def test_more_than_1000_points_is_a_422_naming_points(self, client: httpx.AsyncClient, world: World) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        response = await client.post(
            f"{URL}/{patrol['id']}/points", json={"crs": "wgs84", "points": walk(T0, 1001, every_s=1)},
            headers=world["worker_a"],
        )  # fmt: skip
        assert response.status_code == 422 and response.json()["field"] == "points"

    async def test_another_workers_patrol_is_not_found(self, client: httpx.AsyncClient, world: World) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        response = await client.post(
            f"{URL}/{patrol['id']}/points", json={"crs": "wgs84", "points": walk(T0, 2)}, headers=world["worker_b"]
        )
        assert response.status_code == 404


class TestEndPatrol:
    async def test_ending_twice_answers_the_same_patrol(self, client: httpx.AsyncClient, world: World) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        first = await client.post(f"{URL}/{patrol['id']}/end", headers=world["worker_a"])
        again = await client.post(f"{URL}/{patrol['id']}/end", headers=world["worker_a"])
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json() and first.json()["ended_at"] == "2026-11-28T02:00:00Z"

    async def test_the_phone_may_say_when_it_ended(self, client: httpx.AsyncClient, world: World) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        ended_at = (T0 + timedelta(minutes=40)).isoformat()
        response = await client.post(
            f"{URL}/{patrol['id']}/end", json={"ended_at": ended_at}, headers=world["worker_a"]
        )
        assert response.json()["ended_at"] == "2026-11-28T01:40:00Z"

    async def test_times_sent_with_an_offset_are_answered_in_utc_with_z(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        shanghai = timezone(timedelta(hours=8))
        patrol = await start_patrol(client, world["worker_a"], T0.astimezone(shanghai))
        ended_at = (T0 + timedelta(minutes=40)).astimezone(shanghai).isoformat()
        response = await client.post(
            f"{URL}/{patrol['id']}/end", json={"ended_at": ended_at}, headers=world["worker_a"]
        )
        body = response.json()
        assert (body["started_at"], body["ended_at"]) == ("2026-11-28T01:00:00Z", "2026-11-28T01:40:00Z")


class TestReadPatrol:
    @pytest.mark.parametrize(("who", "status"), [("worker_a", 200), ("town_a", 200), ("city", 200), ("admin", 200),
                                                 ("town_b", 404), ("worker_b", 404), ("informant_a", 404)])  # fmt: skip
    async def test_who_sees_a_patrol(self, client: httpx.AsyncClient, world: World, who: str, status: int) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        response = await client.get(f"{URL}/{patrol['id']}", headers=world[who])
        assert response.status_code == status
        track = await client.get(f"{URL}/{patrol['id']}/track", headers=world[who])
        assert track.status_code == status

    async def test_the_track_is_a_simplified_line_in_the_requested_crs(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        await post_points(client, world["worker_a"], patrol["id"], walk(T0, 50))  # a straight line
        wgs = (await client.get(f"{URL}/{patrol['id']}/track", headers=world["town_a"])).json()
        assert wgs["type"] == "FeatureCollection"
        (line,) = wgs["features"]
        assert line["geometry"]["type"] == "LineString" and line["properties"]["points"] == 50
        assert len(line["geometry"]["coordinates"]) == 2  # simplified: a straight walk is two vertices
        assert line["geometry"]["coordinates"][0] == [pytest.approx(INSIDE[1]), pytest.approx(INSIDE[0])]
        gcj = (await client.get(f"{URL}/{patrol['id']}/track?crs=gcj02", headers=world["town_a"])).json()
        expected = from_wgs84(INSIDE[0], INSIDE[1], Crs.GCJ02)
        x, y = gcj["features"][0]["geometry"]["coordinates"][0]
        assert (y, x) == (pytest.approx(expected[0], abs=1e-6), pytest.approx(expected[1], abs=1e-6))

    async def test_an_unknown_patrol_is_not_found(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await client.get(f"{URL}/999999", headers=world["admin"])).status_code == 404
        assert (await client.get(f"{URL}/nope", headers=world["admin"])).status_code == 404
