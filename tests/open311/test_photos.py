"""Photos uploaded with POST requests (multipart, as FixMyStreet sends them): kept as the case's
attachments through the media service, served publicly without EXIF, refused in the spec's envelope."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Attachment, Report
from tests.media.images import jpeg, png
from tests.open311.helpers import BASE, errors_of, fms_form, make_key
from tests.worlds import World, report_body


def form(key: str, **overrides: str) -> dict[str, str]:
    return dict(fms_form(key, **{"media_url": None, **overrides}))


async def count(session: AsyncSession, table: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(table)) or 0)


class TestStored:
    async def test_photos_become_attachments_and_media_urls(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        files = [("photo1", ("1.jpeg", jpeg(), "image/jpeg")), ("photo2", ("2.png", png(), "image/png"))]
        made = await client.post(BASE + "requests.json", data=form(key), files=files)
        assert made.status_code == 201, made.text
        case = made.json()[0]["service_request_id"]
        listed = await client.get(f"/api/v1/reports/{case}/attachments", headers=world["town_a"])
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"] if isinstance(listed.json(), dict) else listed.json()
        assert [(a["role"], a["filename"]) for a in items] == [("report", "1.jpeg"), ("report", "2.png")]
        [record] = (await client.get(f"{BASE}requests/{case}.json", params={"extensions": "true"})).json()
        urls = record["extended_attributes"]["media_urls"]
        assert record["media_url"] == urls[0] and len(urls) == 2
        served = await client.get(urls[0].removeprefix("http://test"))
        assert served.status_code == 200 and served.headers["content-type"].startswith("image/")
        assert b"Exif" not in served.content[:64]

    async def test_a_resend_with_photos_adds_nothing(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        files = [("photo1", ("1.jpeg", jpeg(), "image/jpeg"))]
        answers = [await client.post(BASE + "requests.xml", data=form(key), files=files) for _ in range(2)]
        assert [a.status_code for a in answers] == [201, 200]
        assert (await count(session, Report), await count(session, Attachment)) == (1, 1)

    async def test_media_url_sent_comes_first(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        data = form(key, media_url="https://fms.example/p/1.jpeg")
        photo = [("photo1", ("1.jpeg", jpeg(), "image/jpeg"))]
        made = await client.post(BASE + "requests.json", data=data, files=photo)
        case = made.json()[0]["service_request_id"]
        [record] = (await client.get(f"{BASE}requests/{case}.json")).json()
        assert record["media_url"] == "https://fms.example/p/1.jpeg"


class TestRefused:
    async def test_not_an_image_is_refused_and_leaves_no_case(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = await make_key(client, world)
        for fmt, name, data in (("xml", "x.jpeg", b"\xff\xd8\xff"), ("json", "a.txt", b"hello"),
                                ("xml", "e.jpeg", b""), ("json", "b.png", png()[:40])):  # fmt: skip
            files = [("photo1", ("1.jpeg", jpeg(), "image/jpeg")), ("photo2", (name, data, "image/jpeg"))]
            answer = await client.post(f"{BASE}requests.{fmt}", data=form(key), files=files)
            assert answer.status_code == 400, answer.text
            [(code, text)] = errors_of(answer)
            assert code == "422" and "file" in text
        assert (await count(session, Report), await count(session, Attachment)) == (0, 0)

    async def test_too_many_photos_or_a_bad_key_first(self, client: httpx.AsyncClient, world: World) -> None:
        key = await make_key(client, world)
        files = [(f"photo{n}", (f"{n}.jpeg", jpeg(), "image/jpeg")) for n in range(4)]
        answer = await client.post(BASE + "requests.json", data=form(key), files=files)
        assert answer.status_code == 400 and errors_of(answer)[0][0] == "400"
        refused = await client.post(BASE + "requests.json", data=form("gp_wrong"), files=files[:1])
        assert refused.status_code == 403

    async def test_a_photo_of_a_hidden_case_is_not_served(self, client: httpx.AsyncClient, world: World) -> None:
        made = await client.post("/api/v1/reports", json=report_body(), headers=world["town_a"])
        case = made.json()["id"]
        up = await client.post(f"/api/v1/reports/{case}/attachments", headers=world["town_a"],
                               files={"file": ("1.jpeg", jpeg(), "image/jpeg")})  # fmt: skip
        assert up.status_code == 201, up.text
        for raw in (str(up.json()["id"]), "9" * 30, "x"):
            answer = await client.get(f"{BASE}media/{raw}")
            assert answer.status_code == 404 and errors_of(answer)[0][0] == "404"
