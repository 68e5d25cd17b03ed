"""Images cannot exhaust the server: too many pixels are refused from the header, the served copy
is bounded, and only a few decodes run at once (503 with Retry-After past the wait)."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.media import render
from tests.factories import World
from tests.media import images
from tests.media.conftest import Phone, assert_problem, count_rows, media_files


def never_decode(*args: object, **kwargs: object) -> None:
    raise AssertionError("the image was decoded")


class TestPixelLimit:
    async def test_a_7000_by_7000_webp_is_refused_before_decoding(
        self, phone: Phone, session: AsyncSession, settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        report_id = await phone.report()
        data = images.solid_webp((7000, 7000))  # 49 megapixels in a few dozen bytes
        monkeypatch.setattr(render, "process", never_decode)
        r = await phone.upload(report_id, data, filename="bomb.webp")
        assert_problem(r, 413, "file")
        assert r.json()["max_pixels"] == settings.max_image_pixels == 40_000_000
        assert "49,000,000 pixels" in r.json()["detail"]
        assert await count_rows(session) == (0, 0)
        assert media_files(settings) == []

    async def test_the_limit_is_a_setting(self, make_app: Callable[..., FastAPI], world: World) -> None:
        app = make_app(max_image_pixels=300_000)
        async with client_for(app) as client:
            phone = Phone(client, world)
            report_id = await phone.report()
            assert_problem(await phone.upload(report_id, images.jpeg(size=(640, 480))), 413, "file")
            assert (await phone.upload(report_id, images.jpeg(size=(600, 500)))).status_code == 201


def decoded(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


class TestServedCopy:
    async def test_a_large_photo_is_served_at_the_served_size_and_upright(
        self, make_app: Callable[..., FastAPI], world: World
    ) -> None:
        app = make_app(served_image_px=1000)
        async with client_for(app) as client:
            phone = Phone(client, world)
            report_id = await phone.report()
            r = await phone.upload(report_id, images.jpeg(size=(3000, 2000), orientation=6))  # stored sideways
            assert r.status_code == 201, r.text
            assert (r.json()["width"], r.json()["height"]) == (2000, 3000)  # the upload's own size, upright
            served = decoded((await phone.get(f"/attachments/{r.json()['id']}")).content)
            thumb = decoded((await phone.get(f"/attachments/{r.json()['id']}/thumbnail")).content)
            webp = await phone.upload(report_id, images.solid_webp((2400, 1200)), filename="wide.webp")
            served_webp = decoded((await phone.get(f"/attachments/{webp.json()['id']}")).content)
        assert served.size == (667, 1000)
        assert served.getexif() == {} and "exif" not in served.info
        assert thumb.size == (213, 320)
        assert served_webp.size == (1000, 500)


class TestDecodeSlots:
    async def test_an_upload_that_waits_too_long_for_a_decode_gets_503(
        self, make_app: Callable[..., FastAPI], world: World, session: AsyncSession
    ) -> None:
        app = make_app(image_decode_budget_pixels=40_000_000, image_decode_wait_s=0)
        async with client_for(app) as client:
            phone = Phone(client, world)
            report_id = await phone.report()
            async with app.state.image_decodes.hold(39_800_000):  # another photo is being decoded
                r = await phone.upload(report_id, images.jpeg())
            assert r.status_code == 503, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.headers["retry-after"] == "5"
            assert await count_rows(session) == (0, 0)
            assert (await phone.upload(report_id, images.jpeg())).status_code == 201  # once a slot is free


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
