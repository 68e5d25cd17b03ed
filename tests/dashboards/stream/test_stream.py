"""GET /stream: what a centre sees live, resuming after a dropped connection, tickets, slow clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests.dashboards.stream.sse import Message, SseClient
from tests.factories import World
from tests.worlds import report_body

URL = "/api/v1/reports"


async def submit(client: httpx.AsyncClient, world: World, n: int = 1, **overrides: Any) -> dict[str, Any]:
    body = report_body(client_id=f"uuid:0b5e1c52-8a7f-4c1e-9f1d-{n:012d}", **overrides)
    response = await client.post(URL, json=body, headers=world["worker_a"])
    assert response.status_code == 201, response.text
    return dict(response.json())


async def act(client: httpx.AsyncClient, case: dict[str, Any], headers: dict[str, str], action: str,
              **fields: Any) -> dict[str, Any]:  # fmt: skip
    body = {"action": action, "version": case["version"], **fields}
    response = await client.post(f"{URL}/{case['id']}/actions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


@asynccontextmanager
async def watching(app: FastAPI, headers: dict[str, str] | None = None, **query: str) -> AsyncIterator[SseClient]:
    sse = await SseClient(app, headers, **query).open()
    try:
        assert sse.status == 200, sse.body
        yield sse
    finally:
        await sse.close()


async def test_a_new_case_and_its_changes_reach_the_centre_live(app: FastAPI, client: httpx.AsyncClient,
                                                                world: World) -> None:  # fmt: skip
    async with watching(app, world["town_a"]) as sse:
        assert sse.response_headers["content-type"].startswith("text/event-stream")
        assert await sse.until_live() == []
        case = await submit(client, world)
        new = await sse.next_event()
        assert new is not None and new.event == "report"
        data = new.json()
        assert data["report_id"] == case["id"] and data["case_no"] == case["case_no"] and new.id == data["id"]
        assert (data["action"], data["status"], data["tier"]) == ("submit", "reported", case["tier"])
        assert data["category_code"] == "safety.fire" and data["region_code"] == case["village_code"]
        assert data["location"]["crs"] == "wgs84" and data["at"].endswith("Z")
        accepted = await act(client, case, world["town_a"], "accept")
        status = await sse.next_event()
        assert status is not None and status.event == "status"
        assert (status.json()["action"], status.json()["status"]) == ("accept", "accepted")
        assert int(status.id or 0) > int(new.id or 0)
        await act(client, accepted, world["county_a"], "supervise", note="Close this today")
        supervised = await sse.next_event()
        assert supervised is not None and supervised.event == "supervise"
        assert supervised.json()["action"] == "supervise"


async def test_a_centre_sees_only_its_jurisdiction(app: FastAPI, client: httpx.AsyncClient, world: World) -> None:
    async with watching(app, world["town_b"]) as town_b, watching(app, world["city"], crs="gcj02") as city:
        await town_b.until_live()
        await city.until_live()
        in_a = await submit(client, world, 1)
        in_b_body = {"location": {"lat": 32.005, "lon": 121.105, "crs": "wgs84", "accuracy_m": 5.0}}
        response = await client.post(URL, json=report_body(client_id="uuid:b-1", **in_b_body),
                                     headers=world["worker_b"])  # fmt: skip
        assert response.status_code == 201, response.text
        in_b = response.json()
        seen_by_b = await town_b.next_event()
        assert seen_by_b is not None and seen_by_b.json()["report_id"] == in_b["id"]  # not town A's case
        seen_by_city = [await city.next_event(), await city.next_event()]
        assert [m.json()["report_id"] for m in seen_by_city if m] == [in_a["id"], in_b["id"]]
        assert seen_by_city[0] and seen_by_city[0].json()["location"]["crs"] == "gcj02"


async def test_sensitive_cases_reach_only_cleared_viewers(app: FastAPI, client: httpx.AsyncClient,
                                                          world: World) -> None:  # fmt: skip
    async with watching(app, world["town_a"]) as plain, watching(app, world["cleared_town_a"]) as cleared:
        await plain.until_live()
        await cleared.until_live()
        secret = await submit(client, world, 1, category="special.mental_health")
        seen = await cleared.next_event()
        assert seen is not None and seen.json()["report_id"] == secret["id"]
        ordinary = await submit(client, world, 2)
        first_seen = await plain.next_event()
        assert first_seen is not None and first_seen.json()["report_id"] == ordinary["id"]


async def test_resume_after_a_dropped_connection_misses_nothing_and_repeats_nothing(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    async with watching(app, world["town_a"]) as first:
        await first.until_live()
        case = await submit(client, world, 1)
        received = await first.next_event()
        assert received is not None and received.id is not None
    # Dropped. Meanwhile the case is accepted and another arrives.
    accepted = await act(client, case, world["town_a"], "accept")
    second_case = await submit(client, world, 2)
    async with watching(app, {**world["town_a"], "Last-Event-ID": received.id}) as again:
        replayed = await again.until_live()
        assert [(m.event, m.json()["report_id"]) for m in replayed] == [
            ("status", case["id"]), ("report", second_case["id"])
        ]  # fmt: skip
        ids = [int(m.id or 0) for m in replayed]
        assert ids == sorted(ids) and ids[0] > int(received.id)
        await act(client, accepted, world["town_a"], "dispatch", unit_code="u")
        live = await again.next_event()
        assert live is not None and live.json()["action"] == "dispatch" and int(live.id or 0) > ids[-1]
    async with watching(app, world["town_a"], last_event_id=received.id) as by_query:
        assert len(await by_query.until_live()) == 3


async def test_heartbeats_keep_an_idle_stream_open(make_app: Callable[..., FastAPI], world: World) -> None:
    app = make_app(stream_heartbeat_s=0.05)
    async with watching(app, world["town_a"]) as sse:
        await sse.until_live()
        message = await sse.next(wait_s=2)
        assert message is not None and message.comments == ["heartbeat"] and message.event is None


async def test_a_ticket_opens_the_stream_and_nothing_else(app: FastAPI, client: httpx.AsyncClient,
                                                          world: World) -> None:  # fmt: skip
    response = await client.post("/api/v1/stream/tickets", headers=world["town_a"])
    assert response.status_code == 201, response.text
    ticket = response.json()["ticket"]
    assert response.json()["expires_at"].endswith("Z")
    async with watching(app, ticket=ticket) as sse:
        await sse.until_live()
        case = await submit(client, world)
        seen = await sse.next_event()
        assert seen is not None and seen.json()["report_id"] == case["id"]
    as_token = await client.get(URL, headers={"Authorization": f"Bearer {ticket}"})
    assert as_token.status_code == 401
    as_bearer_on_stream = await SseClient(app, {"Authorization": f"Bearer {ticket}"}).open()
    assert as_bearer_on_stream.status == 401


async def test_refused_streams(app: FastAPI, client: httpx.AsyncClient, world: World, clock: Any) -> None:
    ticket = (await client.post("/api/v1/stream/tickets", headers=world["town_a"])).json()["ticket"]
    clock.advance(timedelta(seconds=61))
    expired = await SseClient(app, ticket=ticket).open()
    assert expired.status == 401 and b'"field":"ticket"' in expired.body
    anonymous = await SseClient(app).open()
    assert anonymous.status == 401
    assert (await client.post("/api/v1/stream/tickets")).status_code == 401
    bad = await SseClient(app, {**world["town_a"], "Last-Event-ID": "01"}).open()
    assert bad.status == 422 and b'"field":"Last-Event-ID"' in bad.body
    bad_query = await SseClient(app, world["town_a"], last_event_id="x").open()
    assert bad_query.status == 422 and b'"field":"last_event_id"' in bad_query.body


async def test_a_slow_client_is_closed_and_blocks_no_one(make_app: Callable[..., FastAPI], world: World) -> None:
    app = make_app(stream_queue_size=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as api:
        async with watching(app, world["town_a"]) as slow, watching(app, world["town_a"]) as quick:
            await slow.until_live()
            await quick.until_live()
            slow.pause()  # reads nothing: the app's writes to it wait, its queue fills
            cases = [await submit(api, world, n) for n in range(1, 13)]
            got = [await quick.next_event() for _ in cases]
            assert [m.json()["report_id"] for m in got if m] == [c["id"] for c in cases]
            slow.resume()
            before_close = await _events_until_end(slow)
        assert 0 < len(before_close) < len(cases)  # what was under way, then the stream ended
        assert app.state.stream_hub.subscribers == 0
        last = before_close[-1].id or ""
        async with watching(app, {**world["town_a"], "Last-Event-ID": last}) as again:
            rest = await again.until_live()
        assert [m.id for m in before_close + rest] == [m.id for m in got if m]


async def _events_until_end(sse: SseClient) -> list[Message]:
    events = []
    while (message := await sse.next()) is not None:
        if message.event is not None:
            events.append(message)
    return events


async def test_disconnected_clients_are_forgotten(app: FastAPI, world: World) -> None:
    async with watching(app, world["town_a"]) as sse:
        await sse.until_live()
        assert app.state.stream_hub.subscribers == 1
    assert app.state.stream_hub.subscribers == 0


async def test_signing_out_ends_the_tickets_of_that_session(app: FastAPI, client: httpx.AsyncClient,
                                                            world: World) -> None:  # fmt: skip
    ticket = (await client.post("/api/v1/stream/tickets", headers=world["town_a"])).json()["ticket"]
    assert (await client.post("/api/v1/auth/logout", headers=world["town_a"])).status_code == 204
    refused = await SseClient(app, ticket=ticket).open()
    assert refused.status == 401
