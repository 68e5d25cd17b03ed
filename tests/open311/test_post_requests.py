"""POST requests as FixMyStreet's client sends it, and token lookup."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Open311Request, Report
from tests import factories as f
from tests.open311.helpers import BASE, FORM, errors_of, fields, fms_form, make_key, xml
from tests.worlds import World


async def post(client: httpx.AsyncClient, form: list[tuple[str, str]], fmt: str = "xml") -> httpx.Response:
    body = urlencode(form).encode()
    return await client.post(f"{BASE}requests.{fmt}", content=body, headers=FORM)


async def reports(session: AsyncSession) -> list[Report]:
    return list((await session.execute(select(Report).order_by(Report.id))).scalars())


class TestFile:
    async def test_a_fixmystreet_report_becomes_an_open311_case(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        response = await post(client, fms_form(key))
        assert response.status_code == 201, response.text
        [request] = xml(response, "service_requests").findall("request")
        answered = fields(request)
        assert answered["service_request_id"] and "token" not in answered
        [report] = await reports(session)
        assert answered["service_request_id"] == str(report.id)
        assert (report.source, report.category_code, report.grid_code) == (
            "open311",
            "safety.fire",
            f.VILLAGE_A + "001",
        )
        assert report.description == (
            "Straw by the stove\n\nPiled against the kitchen wall\n\nhttps://fms.example/report/42"
        )
        extras = await session.get(Open311Request, report.id)
        assert extras is not None
        assert extras.media_urls == ["https://fms.example/photo/42.0.jpeg", "https://fms.example/photo/42.1.jpeg"]
        assert (extras.first_name, extras.last_name, extras.email, extras.phone) == (
            "Li", "Wei", "li@example.org", "13812345678"
        )  # fmt: skip
        assert extras.token == "42" and extras.attributes == {"fixmystreet_id": ["42"]}  # empty = absent
        assert report.caller_phone == "13812345678"

    async def test_json_answers_an_array_of_one_with_a_string_id(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        response = await post(client, fms_form(key), "json")
        assert response.status_code == 201
        [answer] = response.json()
        assert isinstance(answer["service_request_id"], str) and "token" not in answer

    async def test_deviceid_repeated_attributes_and_severity(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        form = fms_form(key, deviceid="iphone", **{"attribute[severity]": "3", "attribute[colour]": ["red", "blue"]})
        assert (await post(client, form)).status_code == 201
        [report] = await reports(session)
        extras = await session.get(Open311Request, report.id)
        assert extras is not None and extras.device_id == "iphone"
        assert extras.attributes["colour"] == ["red", "blue"] and report.severity == 3

    async def test_a_long_description_is_cut_not_refused(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        assert (await post(client, fms_form(key, description="x" * 5000))).status_code == 201
        [report] = await reports(session)
        assert len(report.description) == 4000 and report.description.endswith("…")


class TestResend:
    async def test_a_resend_with_the_same_fixmystreet_id_answers_the_same_request(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        first = await post(client, fms_form(key))
        again = await post(client, fms_form(key, description="edited"))
        assert (first.status_code, again.status_code) == (201, 200)
        ids = [fields(xml(r).findall("request")[0])["service_request_id"] for r in (first, again)]
        assert ids[0] == ids[1]
        assert len(await reports(session)) == 1

    @pytest.mark.real_transactions  # resends at once, each on its own connection
    async def test_concurrent_resends_make_one_request(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        forms = [fms_form(key)] * 3 + [fms_form(key, description=f"edited {n}") for n in range(3)]
        answers = await asyncio.gather(*(post(client, form, "json") for form in forms))
        assert sorted(a.status_code for a in answers) == [200] * 5 + [201], [a.text for a in answers]
        assert len({a.json()[0]["service_request_id"] for a in answers}) == 1
        assert len(await reports(session)) == 1
        assert await session.scalar(select(func.count()).select_from(Open311Request)) == 1

    async def test_without_an_id_each_post_is_a_new_request(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        form = fms_form(key, **{"attribute[fixmystreet_id]": ""})
        assert [(await post(client, form)).status_code for _ in range(2)] == [201, 201]
        assert len(await reports(session)) == 2

    async def test_a_client_id_is_honoured_too(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        form = fms_form(key, client_id="app-7", **{"attribute[fixmystreet_id]": ""})
        assert [(await post(client, form)).status_code for _ in range(2)] == [201, 200]


class TestLocation:
    async def test_not_pinpointed_lands_at_the_keys_county(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        form = fms_form(key, lat="", long="", address_id="#NOTPINPOINTED#")
        assert (await post(client, form)).status_code == 201
        [report] = await reports(session)
        assert (report.lat, report.grid_id, report.county_code, report.centre_code) == (
            None,
            None,
            f.COUNTY_A,
            f.COUNTY_A,
        )
        extras = await session.get(Open311Request, report.id)
        assert extras is not None and extras.address_id == "#NOTPINPOINTED#"

    async def test_an_address_string_lands_at_the_keys_town(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world, f.TOWN_A)
        form = fms_form(key, lat=None, long=None, address_string="崇川区 12 号")
        assert (await post(client, form)).status_code == 201
        [report] = await reports(session)
        assert (report.town_code, report.address) == (f.TOWN_A, "崇川区 12 号")

    async def test_a_position_outside_the_keys_region_is_refused(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world, f.COUNTY_B)
        response = await post(client, fms_form(key))
        assert response.status_code == 400 and "region" in errors_of(response)[0][1]
        assert await reports(session) == []

    async def test_a_city_key_needs_a_position(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world, f.CITY)
        response = await post(client, fms_form(key, lat="", long="", address_string="somewhere"))
        assert response.status_code == 400
        assert (await post(client, fms_form(key))).status_code == 201

    async def test_lat_without_long_or_no_location_is_400(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        assert (await post(client, fms_form(key, long=""))).status_code == 400
        response = await post(client, fms_form(key, lat="", long=""), "json")
        assert response.status_code == 400 and response.json()[0]["code"] == 400


class TestRefused:
    async def test_a_missing_empty_or_bad_key_is_403(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        for bad in ("", "gp_nothing", key + "x"):
            response = await post(client, fms_form(key, api_key=bad))
            assert response.status_code == 403, bad
            assert "api_key" in errors_of(response)[0][1]
        assert await reports(session) == []

    async def test_a_revoked_key_is_403(self, client: httpx.AsyncClient, world: World) -> None:
        made = await client.post(
            "/api/v1/apikeys", json={"name": "x", "region_code": f.COUNTY_A}, headers=world["admin"]
        )
        await client.delete(f"/api/v1/apikeys/{made.json()['id']}", headers=world["admin"])
        assert (await post(client, fms_form(made.json()["key"]))).status_code == 403

    async def test_a_sensitive_or_missing_service_is_refused(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        assert (await post(client, fms_form(key, service_code="special.drug"))).status_code == 404
        assert (await post(client, fms_form(key, service_code=""))).status_code == 400

    async def test_nul_and_lone_surrogates_are_refused(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        nul = await post(client, fms_form(key, first_name="a\x00b"))
        assert nul.status_code == 400 and "first_name" in errors_of(nul)[0][1]
        body = urlencode(fms_form(key)).encode() + b"&last_name=%ED%A0%80"
        surrogate = await client.post(f"{BASE}requests.xml", content=body, headers=FORM)
        assert surrogate.status_code == 400 and "UTF-8" in errors_of(surrogate)[0][1]
        assert await reports(session) == []
        query = await client.get(BASE + "requests.json?service_code=%ED%A0%80")
        assert query.status_code == 400


class TestTokens:
    async def test_the_clients_id_is_a_token(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        made = fields(xml(await post(client, fms_form(key))).findall("request")[0])
        found = fields(xml(await client.get(BASE + "tokens/42.xml"), "service_requests").findall("request")[0])
        assert found == {"service_request_id": made["service_request_id"], "token": "42"}
        assert (await client.get(BASE + "tokens/42.json")).json() == [
            {"service_request_id": made["service_request_id"], "token": "42"}
        ]
        assert (await client.get(BASE + "tokens/43.json")).status_code == 404
