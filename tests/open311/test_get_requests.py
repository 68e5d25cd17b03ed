"""GET requests and requests/{id}: fields, filters, the 90-day window, pages, extensions, and who sees what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from tests import factories as f
from tests.open311.helpers import BASE, FORM, errors_of, fields, fms_form, make_key, xml
from tests.worlds import World, report_body

RECORD_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}  # fmt: skip
CONTACT = {"first_name", "last_name", "email", "phone", "account_id"}


async def file_fms(client: httpx.AsyncClient, key: str, **overrides: Any) -> str:
    response = await client.post(f"{BASE}requests.json", content=urlencode(fms_form(key, **overrides)), headers=FORM)
    assert response.status_code == 201, response.text
    return str(response.json()[0]["service_request_id"])


async def file_phone(client: httpx.AsyncClient, world: World, n: int, **overrides: Any) -> dict[str, Any]:
    body = report_body(client_id=f"uuid:phone-{n}", **overrides)
    response = await client.post("/api/v1/reports", json=body, headers=world["worker_a"])
    assert response.status_code == 201, response.text
    return dict(response.json())


async def listed(client: httpx.AsyncClient, **params: str) -> list[str]:
    response = await client.get(BASE + "requests.json", params=params)
    assert response.status_code == 200, response.text
    return [r["service_request_id"] for r in response.json()]


class TestRecord:
    async def test_xml_has_every_field_and_no_contact_without_a_key(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        key = await make_key(client, world)
        made = await file_fms(client, key)
        doc = xml(await client.get(BASE + "requests.xml"), "service_requests")
        [request] = doc.findall("request")
        record = fields(request)
        assert set(record) == RECORD_FIELDS
        assert (record["service_request_id"], record["status"], record["service_code"], record["service_name"]) == (
            made, "open", "safety.fire", "消防隐患"
        )  # fmt: skip
        assert record["requested_datetime"] == "2026-11-28T02:00:00Z"
        assert record["updated_datetime"] == "2026-11-28T02:00:00Z" and record["expected_datetime"]
        assert (record["lat"], record["long"]) == ("32.005", "120.905")
        assert record["media_url"] == "https://fms.example/photo/42.0.jpeg"
        assert record["zipcode"] is None and record["agency_responsible"]

    async def test_the_filing_key_sees_its_contact_fields(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        await file_fms(client, key)
        [mine] = (await client.get(BASE + "requests.json", params={"api_key": key})).json()
        expected = {"first_name": "Li", "last_name": "Wei", "email": "li@example.org", "phone": "13812345678"}
        assert {k: mine[k] for k in CONTACT} == {**expected, "account_id": None}
        other = await make_key(client, world)
        [theirs] = (await client.get(BASE + "requests.json", params={"api_key": other})).json()
        assert not CONTACT & set(theirs)

    async def test_a_closed_case_is_closed_at_its_closing_time(
        self, client: httpx.AsyncClient, world: World, clock: ManualClock
    ) -> None:
        case = await file_phone(client, world, 1)
        clock.advance(timedelta(minutes=10))
        rejected = await client.post(f"/api/v1/reports/{case['id']}/actions", headers=world["town_a"],
                                     json={"action": "reject", "version": 1, "reason": "Not ours"})  # fmt: skip
        assert rejected.status_code == 200, rejected.text
        [record] = (await client.get(BASE + f"requests/{case['id']}.json")).json()
        assert (record["status"], record["status_notes"], record["updated_datetime"]) == (
            "closed", "Not ours", "2026-11-28T02:10:00Z"
        )  # fmt: skip
        assert await listed(client, status="closed") == [case["id"]]
        assert await listed(client, status="open") == []
        bad = await client.get(BASE + "requests.xml", params={"status": "pending"})
        assert bad.status_code == 400 and errors_of(bad)[0][1].startswith("status")


class TestOne:
    async def test_json_is_an_array_of_one_and_xml_a_list_of_one(self, client: httpx.AsyncClient, world: World) -> None:
        case = await file_phone(client, world, 1)
        body = (await client.get(BASE + f"requests/{case['id']}.json")).json()
        assert isinstance(body, list) and [r["service_request_id"] for r in body] == [case["id"]]
        doc = xml(await client.get(BASE + f"requests/{case['id']}.xml"), "service_requests")
        assert [r.findtext("service_request_id") for r in doc.findall("request")] == [case["id"]]

    async def test_unknown_sensitive_or_outside_is_404(self, client: httpx.AsyncClient, world: World) -> None:
        secret = await file_phone(client, world, 2, category="special.drug")
        case = await file_phone(client, world, 3)
        for path in (f"requests/{secret['id']}.json", "requests/999.xml", "requests/abc.json", "requests/01.json"):
            response = await client.get(BASE + path)
            assert response.status_code == 404, path
            assert errors_of(response)[0][0] == "404"
        assert await listed(client) == [case["id"]]  # the sensitive one is never listed
        key_b = await make_key(client, world, f.COUNTY_B)
        outside = await client.get(BASE + f"requests/{case['id']}.json", params={"api_key": key_b})
        assert outside.status_code == 404
        assert await listed(client, api_key=key_b) == []


class TestFilters:
    async def test_service_request_id_overrides_every_other_filter(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        a, b = [await file_phone(client, world, n) for n in (1, 2)]
        ids = f"{a['id']}, {b['id']},nonsense,999"
        got = await listed(client, service_request_id=ids, status="closed", service_code="dispute.family",
                           start_date="2020-01-01T00:00:00Z", end_date="2020-01-02T00:00:00Z",
                           page="2", page_size="1")  # fmt: skip
        assert got == [a["id"], b["id"]]

    async def test_service_code_is_a_comma_list(self, client: httpx.AsyncClient, world: World) -> None:
        fire = await file_phone(client, world, 1)
        gas = await file_phone(client, world, 2, category="safety.gas")
        await file_phone(client, world, 3, category="dispute.family")
        assert await listed(client, service_code="safety.fire,safety.gas") == [fire["id"], gas["id"]]

    async def test_the_default_window_is_the_last_90_days(
        self, client: httpx.AsyncClient, world: World, clock: ManualClock, app: FastAPI, session: AsyncSession
    ) -> None:
        old = await file_phone(client, world, 1)
        clock.advance(timedelta(days=91))
        await world.sign_in_again(app, session)
        new = await file_phone(client, world, 2, occurred_at=clock.now().isoformat())
        assert await listed(client) == [new["id"]]
        assert await listed(client, start_date="2026-11-01T00:00:00+08:00", end_date="2026-12-01T00:00:00Z") == [
            old["id"]
        ]
        assert await listed(client, updated_after="2026-11-01T00:00:00Z") == [old["id"], new["id"]]
        assert await listed(client, updated_before="2026-12-01T00:00:00Z") == [old["id"]]

    async def test_a_window_beyond_90_days_or_backwards_is_400(self, client: httpx.AsyncClient, world: World) -> None:
        for params in (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
            {"start_date": "2026-11-02T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
            {"start_date": "2026-11-02T00:00:00"},  # no offset
            {"start_date": "yesterday"},
        ):
            response = await client.get(BASE + "requests.xml", params=params)
            assert response.status_code == 400, params
            assert errors_of(response)[0][0] == "400"

    async def test_empty_parameters_are_absent(self, client: httpx.AsyncClient, world: World) -> None:
        case = await file_phone(client, world, 1)
        empty = {"service_request_id": "", "service_code": "", "status": "", "start_date": "", "end_date": "",
                 "jurisdiction_id": "", "api_key": "", "page": "", "page_size": ""}  # fmt: skip
        assert await listed(client, **empty) == [case["id"]]


class TestPages:
    async def test_page_and_page_size_walk_the_list_in_requested_order(
        self, client: httpx.AsyncClient, world: World, clock: ManualClock
    ) -> None:
        made = []
        for n in range(5):
            made.append((await file_phone(client, world, n))["id"])
            clock.advance(timedelta(minutes=1))
        pages = [await listed(client, page=str(p), page_size="2") for p in (1, 2, 3, 4)]
        assert pages == [made[0:2], made[2:4], made[4:5], []]
        for bad in ({"page": "0"}, {"page_size": "1001"}, {"page_size": "x"}):
            assert (await client.get(BASE + "requests.json", params=bad)).status_code == 400


class TestExtensions:
    async def test_notes_are_the_timeline(self, client: httpx.AsyncClient, world: World, clock: ManualClock) -> None:
        case = await file_phone(client, world, 1)
        clock.advance(timedelta(minutes=5))
        await client.post(f"/api/v1/reports/{case['id']}/actions", headers=world["town_a"],
                          json={"action": "accept", "version": 1})  # fmt: skip
        [record] = (await client.get(BASE + "requests.json", params={"extensions": "true"})).json()
        assert record["extended_attributes"]["detailed_status"] == "investigating"
        assert record["extended_attributes"]["case_no"] == case["case_no"]
        notes = record["notes"]
        assert [(n["type"], n["summary"], n["datetime"]) for n in notes] == [
            ("submitted", "submit", "2026-11-28T02:00:00Z"), ("opened", "accept", "2026-11-28T02:05:00Z")
        ]  # fmt: skip
        doc = xml(await client.get(BASE + "requests.xml", params={"extensions": "true"}))
        assert [n.findtext("type") for n in doc.findall("request/notes/note")] == ["submitted", "opened"]
        assert doc.findtext("request/extended_attributes/detailed_status") == "investigating"
        assert "notes" not in (await client.get(BASE + "requests.json")).json()[0]
