"""What FixMyStreet's client and the PyPI `georeport` client really send and expect
(docs/open311.md; ../shared/reference/open311.md, last section), end to end."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from app.models import Report
from tests.open311.helpers import BASE, FORM, fields, fms_form, make_key, xml
from tests.worlds import World

ENDPOINT = "http://test" + BASE  # configured with its trailing "/" and concatenated as is


class TestFixMyStreet:
    async def test_a_whole_session_in_xml(
        self, client: httpx.AsyncClient, world: World, clock: ManualClock, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        services = xml(await client.get(ENDPOINT + "services.xml", params={"jurisdiction_id": "x"}), "services")
        codes = [s.findtext("service_code") or "" for s in services.findall("service")]
        assert codes and all(re.fullmatch(r"[A-Za-z0-9._-]+", c) for c in codes)  # safe unescaped in a path
        definition = xml(await client.get(ENDPOINT + "services/safety.fire.xml"), "service_definition")
        declared = [a.findtext("code") for a in definition.findall("attributes/attribute")]
        assert "fixmystreet_id" in declared
        # The POST: CRLF, 6 decimals, every stored attribute (unanswered ones empty), a reply it never got.
        form = fms_form(key, lat="32.005123", long="120.905456", **{"attribute[uprn]": ""})
        body = urlencode(form)  # the description carries FixMyStreet's CRLF
        first = await client.post(ENDPOINT + "requests.xml", content=body, headers=FORM)
        resend = await client.post(ENDPOINT + "requests.xml", content=body, headers=FORM)
        assert first.status_code // 100 == 2 and resend.status_code // 100 == 2
        request_id = xml(first).findall("request")[0].findtext("service_request_id")
        assert request_id and xml(resend).findall("request")[0].findtext("service_request_id") == request_id
        assert await session.scalar(select(func.count()).select_from(Report)) == 1
        # GET requests with every open id comma-joined, for the last hour.
        found = xml(await client.get(ENDPOINT + "requests.xml", params={
            "jurisdiction_id": "x", "service_request_id": f"{request_id},123456",
            "start_date": "2026-11-28T01:00:00Z", "end_date": "2026-11-28T02:00:00Z",
        }))  # fmt: skip
        record = fields(found.findall("request")[0])
        assert (record["service_request_id"], record["lat"], record["long"]) == (request_id, "32.005123", "120.905456")
        # A staff change, then polling the last two hours with api_key in the query.
        clock.advance(timedelta(minutes=10))
        await client.post(f"/api/v1/reports/{request_id}/actions", headers=world["town_a"],
                          json={"action": "accept", "version": 1})  # fmt: skip
        window = {"jurisdiction_id": "x", "api_key": key, "start_date": "2026-11-28T00:10:00Z",
                  "end_date": "2026-11-28T02:10:00Z"}  # fmt: skip
        polled = xml(await client.get(ENDPOINT + "servicerequestupdates.xml", params=window))
        [update] = [fields(u) for u in polled.findall("request_update")]
        assert update["fixmystreet_id"] == "42" and update["status"] == "investigating"
        # A citizen's update, UPPER-CASE, with the site's offset, sent twice.
        citizen = urlencode({"jurisdiction_id": "x", "api_key": key, "service_request_id": request_id,
                             "update_id": "9", "status": "CLOSED", "updated_datetime": "2026-11-28T10:12:00+08:00",
                             "description": "Fixed, thanks", "first_name": "Li", "last_name": "-"})  # fmt: skip
        posted = [await client.post(ENDPOINT + "servicerequestupdates.xml", content=citizen, headers=FORM)
                  for _ in range(2)]  # fmt: skip
        update_ids = [xml(p).findall("request_update")[0].findtext("update_id") for p in posted]
        assert update_ids[0] and update_ids[0] == update_ids[1]

    async def test_a_multipart_post_with_photos_is_read(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        data = [(name, value) for name, value in fms_form(key) if name != "media_url"]
        response = await client.post(
            ENDPOINT + "requests.xml", data=dict(data), files={"photo1": ("1.jpeg", b"\xff\xd8\xff", "image/jpeg")}
        )
        assert response.status_code == 201, response.text
        assert await session.scalar(select(func.count()).select_from(Report)) == 1

    async def test_a_post_is_never_redirected(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        response = await client.post(ENDPOINT + "requests.xml", content=urlencode(fms_form(key)), headers=FORM)
        assert response.status_code == 201 and "location" not in response.headers

    async def test_an_empty_element_reads_as_null(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        await client.post(ENDPOINT + "requests.xml", content=urlencode(fms_form(key)), headers=FORM)
        raw = (await client.get(ENDPOINT + "requests.xml")).text
        assert "<zipcode/>" in raw and "<service_notice/>" in raw


class TestGeoreportPyPI:
    async def test_json_paths_without_the_trailing_slash(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        made = await client.post(ENDPOINT + "requests.json", content=urlencode(fms_form(key)), headers=FORM)
        request_id = made.json()[0]["service_request_id"]
        root = ENDPOINT.rstrip("/")
        assert isinstance((await client.get(root + "/services.json")).json(), list)
        one = (await client.get(f"{root}/requests/{request_id}.json")).json()
        assert isinstance(one, list) and len(one) == 1 and one[0]["service_request_id"] == request_id
        assert (await client.get(f"{root}/requests/{request_id}.xml")).headers["content-type"].startswith("text/xml")
