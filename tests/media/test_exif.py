"""EXIF evidence is read from the upload and shown; what is served carries none of it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.geo.coords import Crs, from_wgs84
from app.models import MediaBlob
from tests.media import images
from tests.media.conftest import Phone


class TestEvidence:
    async def test_time_and_gps_are_read_from_the_upload(self, phone: Phone, session: AsyncSession) -> None:
        data = images.jpeg()
        top, gps, exif_ifd = images.exif_of(data)
        assert images.GPS_INFO_TAG in top and gps[2] == images.LAT_DMS  # the test photo really has GPS
        assert exif_ifd[images.DATETIME_ORIGINAL] == "2026:11:28 09:30:00"
        report_id = await phone.report()
        r = await phone.upload(report_id, data)
        evidence = r.json()["evidence"]
        assert evidence["taken_at"] == "2026-11-28T01:30:00Z"  # no offset in EXIF: read in Asia/Shanghai
        assert abs(evidence["location"]["lat"] - 32.0051) < 1e-6
        assert abs(evidence["location"]["lon"] - 120.9052) < 1e-6
        assert (evidence["location"]["crs"], evidence["location"]["accuracy_m"]) == ("wgs84", None)
        blob = (await session.execute(select(MediaBlob))).scalar_one()
        assert blob.taken_at == datetime(2026, 11, 28, 1, 30, tzinfo=UTC)
        assert blob.lat is not None and abs(blob.lat - 32.0051) < 1e-6

    async def test_offset_time_original_is_honoured(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.jpeg(offset="+00:00", gps=False))
        assert r.json()["evidence"] == {"taken_at": "2026-11-28T09:30:00Z", "location": None}

    @pytest.mark.parametrize(
        ("taken", "offset"),
        [("0001:01:01 00:00:00", "+14:00"), ("0001:01:01 00:00:00", None), ("9999:12:31 23:59:59", "-14:00")],
    )
    async def test_an_absurd_exif_time_is_left_out_and_the_photo_attaches(
        self, phone: Phone, session: AsyncSession, taken: str, offset: str | None
    ) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.jpeg(taken=taken, offset=offset))
        assert r.status_code == 201, r.text
        evidence = r.json()["evidence"]
        assert evidence["taken_at"] is None  # the GPS is still evidence:
        assert abs(evidence["location"]["lat"] - 32.0051) < 1e-6
        blob = (await session.execute(select(MediaBlob))).scalar_one()
        assert blob.taken_at is None

    async def test_no_exif_gives_no_evidence(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.jpeg(gps=False, taken=None))
        assert r.json()["evidence"] is None

    async def test_evidence_is_shown_in_the_report_attachment_list(self, phone: Phone) -> None:
        report_id = await phone.report()
        await phone.upload(report_id, images.jpeg())
        listed = await phone.get(f"/reports/{report_id}/attachments", who="town_a")
        assert listed.status_code == 200
        (item,) = listed.json()["items"]
        assert item["evidence"]["taken_at"] == "2026-11-28T01:30:00Z"
        assert abs(item["evidence"]["location"]["lat"] - 32.0051) < 1e-6

    async def test_the_evidence_position_is_answered_in_the_crs_asked_for(self, phone: Phone) -> None:
        report_id = await phone.report()
        await phone.upload(report_id, images.jpeg())
        listed = await phone.get(f"/reports/{report_id}/attachments?crs=gcj02", who="town_a")
        (item,) = listed.json()["items"]
        lat, lon = from_wgs84(32.0051, 120.9052, Crs.GCJ02)
        location = item["evidence"]["location"]
        assert location["crs"] == "gcj02"
        assert (location["lat"], location["lon"]) == (pytest.approx(lat, abs=1e-6), pytest.approx(lon, abs=1e-6))


def assert_no_metadata(data: bytes) -> None:
    top, gps, exif_ifd = images.exif_of(data)
    assert images.GPS_INFO_TAG not in top
    assert gps == {}
    assert images.DATETIME_ORIGINAL not in exif_ifd
    assert images.MAKER.encode() not in data
    assert b"2026:11:28" not in data


class TestServedWithoutMetadata:
    async def test_served_image_has_no_gps_and_no_time(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.jpeg())
        served = await phone.get(f"/attachments/{r.json()['id']}", who="town_a")
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/jpeg"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert_no_metadata(served.content)
        with Image.open(io.BytesIO(served.content)) as img:
            assert img.size == (640, 480)

    async def test_thumbnail_has_no_gps_and_is_small(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.jpeg())
        thumb = await phone.get(f"/attachments/{r.json()['id']}/thumbnail")
        assert thumb.status_code == 200
        assert thumb.headers["content-type"] == "image/jpeg"
        assert_no_metadata(thumb.content)
        with Image.open(io.BytesIO(thumb.content)) as img:
            assert img.size == (320, 240)

    async def test_orientation_is_applied_to_what_is_served(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.jpeg(orientation=6))  # stored sideways, shown upright
        assert (r.json()["width"], r.json()["height"]) == (480, 640)
        served = await phone.get(f"/attachments/{r.json()['id']}")
        with Image.open(io.BytesIO(served.content)) as img:
            assert img.size == (480, 640)
            assert 0x0112 not in img.getexif()

    async def test_png_and_webp_are_served_clean_too(self, phone: Phone) -> None:
        report_id = await phone.report()
        for data, name in ((images.png(), "p.png"), (images.webp(), "w.webp")):
            r = await phone.upload(report_id, data, filename=name)
            served = await phone.get(f"/attachments/{r.json()['id']}")
            assert served.status_code == 200
            assert_no_metadata(served.content)

    async def test_admin_gets_the_original_with_its_evidence(self, phone: Phone) -> None:
        report_id = await phone.report()
        data = images.jpeg()
        r = await phone.upload(report_id, data)
        original = await phone.get(f"/attachments/{r.json()['id']}/original", who="admin")
        assert original.status_code == 200
        assert original.content == data

    async def test_nobody_else_gets_the_original(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.jpeg())
        for who in ("worker_a", "town_a"):
            assert (await phone.get(f"/attachments/{r.json()['id']}/original", who=who)).status_code == 403
