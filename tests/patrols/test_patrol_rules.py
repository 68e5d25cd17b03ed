"""What a patrol holds: fixes timed within it (in any order, also after the end request), and one open
patrol per worker, enforced by the database as well."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Patrol
from tests.factories import NOW
from tests.patrols.conftest import World, post_points, start_patrol, walk

URL = "/api/v1/patrols"
T0 = NOW - timedelta(hours=1)  # 09:00 local


async def end(client: httpx.AsyncClient, headers: dict[str, str], patrol_id: str, minutes: float) -> httpx.Response:
    ended_at = (T0 + timedelta(minutes=minutes)).isoformat()
    response = await client.post(f"{URL}/{patrol_id}/end", json={"ended_at": ended_at}, headers=headers)
    assert response.status_code == 200, response.text
    return response


class TestFixesAfterTheEnd:
    async def test_fixes_timed_after_the_end_are_rejected_and_those_within_still_count(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        await end(client, world["worker_a"], patrol["id"], 5)  # the end request arrives first, as offline phones do
        body = await post_points(client, world["worker_a"], patrol["id"], walk(T0, 61))  # 10 minutes of fixes
        assert body["accepted"] == 31  # 09:00:00 … 09:05:00
        assert [r["reason"] for r in body["rejected"]] == ["after_end"] * 30
        assert [r["seq"] for r in body["rejected"]] == list(range(32, 62))
        assert body["patrol"]["minutes_in_grid"] == pytest.approx(5.0)
        assert body["patrol"]["points"]["accepted"] == 31

    async def test_fixes_stored_before_an_earlier_end_stop_counting(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        first = await post_points(client, world["worker_a"], patrol["id"], walk(T0, 61))
        assert first["patrol"]["minutes_in_grid"] == pytest.approx(10.0)
        ended = (await end(client, world["worker_a"], patrol["id"], 5)).json()
        assert ended["minutes_in_grid"] == pytest.approx(5.0) and ended["points"]["accepted"] == 31
        track = (await client.get(f"{URL}/{patrol['id']}/track", headers=world["worker_a"])).json()
        assert track["features"][0]["properties"]["to"] == "2026-11-28T01:05:00Z"

    async def test_fixes_within_the_patrol_arrive_after_the_end_in_any_order(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], T0)
        await end(client, world["worker_a"], patrol["id"], 10)
        points = walk(T0, 61)
        for batch in (points[40:], points[:20], points[20:40]):
            body = await post_points(client, world["worker_a"], patrol["id"], list(reversed(batch)))
            assert body["rejected"] == []
        assert body["patrol"]["minutes_in_grid"] == pytest.approx(10.0)
        assert body["patrol"]["status"] == "ended"


class TestOneOpenPatrol:
    async def test_starting_another_while_one_is_open_is_409_naming_it(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        first = await start_patrol(client, world["worker_a"], T0, client_id="morning")
        response = await client.post(
            URL, json={"client_id": "again", "started_at": (T0 + timedelta(minutes=30)).isoformat()},
            headers=world["worker_a"],
        )  # fmt: skip
        assert response.status_code == 409
        problem = response.json()
        assert problem["type"] == "/problems/patrol-open"
        assert problem["open_patrol"] == {
            "id": first["id"],
            "client_id": "morning",
            "started_at": "2026-11-28T01:00:00Z",
        }
        assert f"/api/v1/patrols/{first['id']}/end" in problem["detail"]
        assert len((await session.execute(select(Patrol))).all()) == 1

    async def test_the_open_patrols_own_replay_still_answers_it(self, client: httpx.AsyncClient, world: World) -> None:
        first = await start_patrol(client, world["worker_a"], T0, client_id="morning")
        again = await client.post(URL, json={"client_id": "morning", "started_at": T0.isoformat()},
                                  headers=world["worker_a"])  # fmt: skip
        assert again.status_code == 200 and again.json()["id"] == first["id"]

    async def test_after_the_end_the_next_patrol_starts(self, client: httpx.AsyncClient, world: World) -> None:
        first = await start_patrol(client, world["worker_a"], T0, client_id="morning")
        await end(client, world["worker_a"], first["id"], 30)
        second = await start_patrol(client, world["worker_a"], T0 + timedelta(minutes=40), client_id="noon")
        assert second["id"] != first["id"] and second["status"] == "open"

    async def test_other_workers_are_not_held_up(self, client: httpx.AsyncClient, world: World) -> None:
        await start_patrol(client, world["worker_a"], T0)
        await start_patrol(client, world["worker_b"], T0)

    @pytest.mark.real_transactions  # two requests race on their own connections
    async def test_two_starts_at_once_make_one_patrol(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        bodies = [{"client_id": f"phone-{n}", "started_at": T0.isoformat()} for n in range(2)]
        answers = await asyncio.gather(*(client.post(URL, json=b, headers=world["worker_a"]) for b in bodies))
        assert sorted(a.status_code for a in answers) == [201, 409]
        assert len((await session.execute(select(Patrol))).all()) == 1

    async def test_the_database_refuses_a_second_open_patrol(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        """The partial unique index holds even for a writer that skips the service's check."""
        first = await start_patrol(client, world["worker_a"], T0)
        row = (await session.execute(select(Patrol).where(Patrol.id == int(first["id"])))).scalar_one()
        values = {
            "worker_id": row.worker_id, "grid_id": row.grid_id, "client_id": "sneaky", "started_at": T0,
            "day": row.day, "status": "open", "minutes_in_grid": 0.0, "distance_m": 0.0, "coverage": 0.0,
            "points_accepted": 0, "points_counted": 0, "created_at": NOW, "updated_at": NOW,
        }  # fmt: skip
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                await session.execute(insert(Patrol).values(**values))
        await session.execute(insert(Patrol).values(**{**values, "status": "ended"}))  # an ended one is fine
