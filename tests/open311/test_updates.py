"""mySociety's servicerequestupdates: polled by time window with the key in the query, and citizen
updates posted UPPER-CASE, de-duplicated on update_id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from app.core.clock import ManualClock
from tests import factories as f
from tests.open311.helpers import BASE, FORM, errors_of, fields, fms_form, make_key, xml
from tests.worlds import World, report_body

UPDATE_FIELDS = {"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url",
                 "external_status_code"}  # fmt: skip


async def file_fms(client: httpx.AsyncClient, key: str) -> str:
    response = await client.post(f"{BASE}requests.json", content=urlencode(fms_form(key)), headers=FORM)
    assert response.status_code == 201, response.text
    return str(response.json()[0]["service_request_id"])


async def accept(client: httpx.AsyncClient, world: World, report_id: str, version: int = 1) -> None:
    done = await client.post(f"/api/v1/reports/{report_id}/actions", headers=world["town_a"],
                             json={"action": "accept", "version": version})  # fmt: skip
    assert done.status_code == 200, done.text


def update_form(key: str, report_id: str, **overrides: Any) -> str:
    form = {"jurisdiction_id": "gridpatrol.example", "api_key": key, "service_request_id": report_id,
            "update_id": "7001", "status": "FIXED", "updated_datetime": "2026-11-28T10:30:00+08:00",
            "description": "It has been cleared\r\nThanks", "first_name": "Li", "last_name": "-", "email": "",
            "media_url": ""}  # fmt: skip
    form.update(overrides)
    return urlencode(form)


class TestPoll:
    async def test_changes_in_the_window_are_updates_with_stable_ids(
        self, client: httpx.AsyncClient, world: World, clock: ManualClock
    ) -> None:
        key = await make_key(client, world)
        made = await file_fms(client, key)
        clock.advance(timedelta(minutes=5))
        await accept(client, world, made)
        clock.advance(timedelta(minutes=5))
        polls = [await client.get(BASE + "servicerequestupdates.xml", params={"api_key": key}) for _ in range(2)]
        docs = [xml(p, "service_request_updates") for p in polls]
        [update] = docs[0].findall("request_update")  # its own submission is not echoed back
        got = fields(update)
        assert set(got) >= UPDATE_FIELDS
        assert (got["service_request_id"], got["status"], got["external_status_code"], got["fixmystreet_id"]) == (
            made, "investigating", "accept", "42"
        )  # fmt: skip
        assert got["updated_datetime"] == "2026-11-28T02:05:00Z" and got["description"]
        assert [fields(u)["update_id"] for u in docs[1].findall("request_update")] == [got["update_id"]]

    async def test_json_and_the_window(self, client: httpx.AsyncClient, world: World, clock: ManualClock) -> None:
        key = await make_key(client, world)
        phone = await client.post("/api/v1/reports", json=report_body(), headers=world["worker_a"])
        case = phone.json()["id"]
        clock.advance(timedelta(hours=3))
        assert (await client.get(BASE + "servicerequestupdates.json", params={"api_key": key})).json() == []
        window = {"api_key": key, "start_date": "2026-11-28T01:00:00Z", "end_date": "2026-11-28T10:30:00+08:00"}
        [update] = (await client.get(BASE + "servicerequestupdates.json", params=window)).json()
        assert (update["service_request_id"], update["status"], update["update_id"]) == (
            case,
            "open",
            update["update_id"],
        )
        assert isinstance(update["update_id"], str) and "fixmystreet_id" not in update
        too_wide = {**window, "start_date": "2026-01-01T00:00:00Z"}
        assert (await client.get(BASE + "servicerequestupdates.xml", params=too_wide)).status_code == 400

    async def test_other_regions_and_sensitive_cases_are_not_shown(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        key_b = await make_key(client, world, f.COUNTY_B)
        await client.post("/api/v1/reports", json=report_body(), headers=world["worker_a"])
        assert (await client.get(BASE + "servicerequestupdates.json", params={"api_key": key_b})).json() == []
        key_a = await make_key(client, world)
        secret = report_body(client_id="uuid:secret", category="special.drug")
        await client.post("/api/v1/reports", json=secret, headers=world["worker_a"])
        updates = (await client.get(BASE + "servicerequestupdates.json", params={"api_key": key_a})).json()
        assert len(updates) == 1

    async def test_the_key_is_required_even_when_sent_empty(self, client: httpx.AsyncClient, world: World) -> None:
        for params in ({}, {"api_key": ""}, {"api_key": "gp_wrong"}):
            response = await client.get(BASE + "servicerequestupdates.xml", params=params)
            assert response.status_code == 403 and errors_of(response)[0][0] in ("401", "403")


class TestPost:
    async def test_a_citizen_update_becomes_a_comment_once(
        self, client: httpx.AsyncClient, world: World, clock: ManualClock
    ) -> None:
        key = await make_key(client, world)
        made = await file_fms(client, key)
        clock.advance(timedelta(minutes=10))
        answers = [
            await client.post(BASE + "servicerequestupdates.xml", content=update_form(key, made), headers=FORM)
            for _ in range(2)
        ]
        assert [a.status_code for a in answers] == [200, 200]
        ids = [xml(a, "service_request_updates").findtext("request_update/update_id") for a in answers]
        assert ids[0] and ids[0] == ids[1]
        timeline = (await client.get(f"/api/v1/reports/{made}/timeline", headers=world["town_a"])).json()
        comments = [e for e in timeline if e["action"] == "comment"]
        assert len(comments) == 1
        assert comments[0]["note"] == "[FIXED] Li: It has been cleared\nThanks"
        assert comments[0]["actor"].startswith("apikey:")
        mine = (await client.get(BASE + "servicerequestupdates.json", params={"api_key": key})).json()
        assert ids[0] not in [u["update_id"] for u in mine]  # not echoed to the client that sent it

    async def test_json_and_extended_statuses_in_any_case(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        made = await file_fms(client, key)
        for n, status in enumerate(("IN_PROGRESS", "not councils responsibility", "Reopen", "CLOSED")):
            form = update_form(key, made, update_id=f"u{n}", status=status)
            answer = await client.post(BASE + "servicerequestupdates.json", content=form, headers=FORM)
            assert answer.status_code == 200, answer.text
            [update] = answer.json()
            assert isinstance(update["update_id"], str)

    async def test_refusals(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        made = await file_fms(client, key)
        phone = await client.post("/api/v1/reports", json=report_body(), headers=world["worker_a"])
        cases = [
            (update_form(key, made, status="SOLVED"), 400, "status"),
            (update_form(key, made, update_id=""), 400, "update_id"),
            (update_form(key, made, updated_datetime="2026-11-28 10:30"), 400, "updated_datetime"),
            (update_form(key, phone.json()["id"]), 404, "service_request_id"),
            (update_form(key, "999"), 404, "service_request_id"),
            (update_form("", made), 403, "api_key"),
        ]
        for form, status, field in cases:
            answer = await client.post(BASE + "servicerequestupdates.xml", content=form, headers=FORM)
            assert answer.status_code == status, (field, answer.text)
            assert field in errors_of(answer)[0][1]
