"""Uploading photos: accepted types by their bytes, the size cap, dedupe and replay."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.media.router import UPLOAD_PATH, upload_body_limit
from app.media.storage import MediaStore, TooLarge
from app.models import Attachment, MediaBlob
from tests.media import images
from tests.media.conftest import Phone, assert_problem, count_rows, media_files


class TestAttachPhoto:
    async def test_jpeg_is_stored_with_its_served_copy_and_thumbnail(
        self, phone: Phone, session: AsyncSession, settings: Settings
    ) -> None:
        report_id = await phone.report()
        data = images.jpeg()
        r = await phone.upload(report_id, data, client_id="uuid:photo-1")
        assert r.status_code == 201, r.text
        body = r.json()
        sha = hashlib.sha256(data).hexdigest()
        assert body["sha256"] == sha
        assert body["content_type"] == "image/jpeg"
        assert body["size"] == len(data)
        assert (body["width"], body["height"]) == (640, 480)
        assert body["role"] == "report"
        assert body["client_id"] == "uuid:photo-1"
        assert body["report_id"] == report_id
        assert body["url"] == f"/api/v1/attachments/{body['id']}"
        assert body["thumbnail_url"] == f"/api/v1/attachments/{body['id']}/thumbnail"
        assert r.headers["location"] == body["url"]
        row = (await session.execute(select(Attachment))).scalar_one()
        assert (str(row.id), str(row.report_id), row.sha256, row.filename) == (body["id"], report_id, sha, "photo.jpg")
        root = settings.resolved_media_dir()
        shard = root / sha[:2] / sha[2:4]
        assert media_files(settings) == sorted([shard / sha, shard / f"{sha}.served", shard / f"{sha}.thumb"])
        assert (shard / sha).read_bytes() == data  # the original is kept byte for byte

    async def test_png_named_jpg_is_taken_as_png(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.png(), filename="IMG_0001.jpg", content_type="image/jpeg")
        assert r.status_code == 201, r.text
        assert r.json()["content_type"] == "image/png"
        assert (r.json()["width"], r.json()["height"]) == (400, 300)
        served = await phone.get(f"/attachments/{r.json()['id']}")
        assert served.headers["content-type"] == "image/png"
        assert served.content.startswith(b"\x89PNG")

    async def test_webp_is_accepted(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.webp(), filename="x.bin", content_type="application/octet-stream")
        assert r.status_code == 201, r.text
        assert r.json()["content_type"] == "image/webp"
        assert r.json()["evidence"] is None

    async def test_transparent_png_gets_a_webp_thumbnail(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.png(alpha=True), filename="a.png")
        assert r.status_code == 201, r.text
        thumb = await phone.get(f"/attachments/{r.json()['id']}/thumbnail")
        assert thumb.headers["content-type"] == "image/webp"

    async def test_missing_file_part_names_file(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.client.post(
            f"/api/v1/reports/{report_id}/attachments", data={"role": "report"}, headers=phone.world["worker_a"]
        )
        assert_problem(r, 422, "file")

    async def test_a_nul_in_a_form_field_or_the_file_name_is_422(self, phone: Phone, session: AsyncSession) -> None:
        report_id = await phone.report()
        assert_problem(await phone.upload(report_id, images.jpeg(), client_id="photo\x00-1"), 422, "client_id")
        part = b'Content-Disposition: form-data; name="file"; filename="a\x00.jpg"\r\nContent-Type: image/jpeg'
        raw = b"--B\r\n" + part + b"\r\n\r\n" + images.jpeg() + b"\r\n--B--\r\n"  # httpx would escape the NUL
        headers = {**phone.world["worker_a"], "Content-Type": "multipart/form-data; boundary=B"}
        r = await phone.client.post(f"/api/v1/reports/{report_id}/attachments", content=raw, headers=headers)
        assert_problem(r, 422, "file")
        assert await count_rows(session) == (0, 0)

    async def test_only_plain_digits_reach_an_attachment(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.jpeg())
        assert r.json()["id"] == "1" and (await phone.get("/attachments/1")).status_code == 200
        for raw in ("\u0661", "\uff11", "01", "99999999999999999999"):
            for suffix in ("", "/thumbnail"):
                assert (await phone.get(f"/attachments/{raw}{suffix}")).status_code == 404, (raw, suffix)

    async def test_unknown_role_names_role(self, phone: Phone, session: AsyncSession) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.jpeg(), role="selfie")
        assert_problem(r, 422, "role")
        assert await count_rows(session) == (0, 0)


class TestSniffing:
    @pytest.mark.parametrize(
        ("data", "filename"),
        [
            (images.PDF, "scan.jpg"),
            (images.gif(), "anim.jpg"),
            (b"just some text, honestly a photo", "photo.png"),
            (b"", "empty.jpg"),
            (images.jpeg()[:2000], "truncated.jpg"),
            (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "broken.png"),
            (b"RIFF\x10\x00\x00\x00WEBPVP8 garbage", "broken.webp"),
        ],
        ids=["pdf", "gif", "text", "empty", "truncated-jpeg", "broken-png", "broken-webp"],
    )
    async def test_not_an_accepted_image_is_422_and_nothing_stays(
        self, phone: Phone, session: AsyncSession, settings: Settings, data: bytes, filename: str
    ) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, data, filename=filename, content_type="image/jpeg")
        assert_problem(r, 422, "file")
        assert str(settings.var_dir.parent) not in r.text and "spool" not in r.text  # no server path in the detail
        assert await count_rows(session) == (0, 0)
        assert media_files(settings) == []


class TestSizeCap:
    async def test_file_over_the_cap_is_413_and_nothing_stays(
        self, phone: Phone, session: AsyncSession, settings: Settings
    ) -> None:
        settings.max_upload_bytes = 100_000
        data = images.noisy_png(150_000)
        assert len(data) > 100_000
        report_id = await phone.report()
        r = await phone.upload(report_id, data, filename="big.png")
        assert_problem(r, 413, "file")
        assert r.json()["max_bytes"] == 100_000
        assert await count_rows(session) == (0, 0)
        assert media_files(settings) == []

    async def test_a_photo_larger_than_the_json_body_limit_gets_through(self, phone: Phone, settings: Settings) -> None:
        data = images.noisy_png(3 * 1024 * 1024)
        assert len(data) > settings.max_body_bytes  # the 2 MiB cap for every other route
        report_id = await phone.report()
        r = await phone.upload(report_id, data, filename="camera.png")
        assert r.status_code == 201, r.text
        assert r.json()["size"] == len(data)

    async def test_file_at_the_cap_is_accepted(self, phone: Phone, settings: Settings) -> None:
        data = images.noisy_png(150_000)
        settings.max_upload_bytes = len(data)
        report_id = await phone.report()
        r = await phone.upload(report_id, data, filename="big.png")
        assert r.status_code == 201, r.text

    async def test_reading_stops_at_the_cap(self, settings: Settings) -> None:
        class Endless:
            reads = 0

            async def read(self, size: int = -1) -> bytes:
                self.reads += 1
                return b"\xff" * size

        source = Endless()
        store = MediaStore(settings.resolved_media_dir())
        with pytest.raises(TooLarge):
            await store.spool(source, max_bytes=1_000_000)
        assert source.reads == 1_000_000 // (64 * 1024) + 1  # one chunk past the cap, then no more
        assert media_files(settings) == []


class TestDedupe:
    async def test_same_bytes_twice_are_one_attachment_and_one_file(
        self, phone: Phone, session: AsyncSession, settings: Settings
    ) -> None:
        report_id = await phone.report()
        data = images.jpeg()
        first = await phone.upload(report_id, data)
        again = await phone.upload(report_id, data, filename="renamed.jpg")
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert await count_rows(session) == (1, 1)
        assert len(media_files(settings)) == 3  # original, served, thumbnail

    async def test_same_bytes_on_two_reports_share_one_file(
        self, phone: Phone, session: AsyncSession, settings: Settings
    ) -> None:
        one, two = await phone.report(n=1), await phone.report(n=2)
        data = images.jpeg()
        a = await phone.upload(one, data)
        b = await phone.upload(two, data)
        assert (a.status_code, b.status_code) == (201, 201)
        assert a.json()["id"] != b.json()["id"]
        assert a.json()["sha256"] == b.json()["sha256"]
        assert await count_rows(session) == (2, 1)
        assert len(media_files(settings)) == 3

    async def test_same_bytes_in_another_role_is_another_attachment(self, phone: Phone, session: AsyncSession) -> None:
        report_id = await phone.report()
        data = images.jpeg()
        assert (await phone.upload(report_id, data)).status_code == 201
        result = await phone.upload(report_id, data, who="town_a", role="result")
        assert result.status_code == 201, result.text
        assert result.json()["role"] == "result"
        assert await count_rows(session) == (2, 1)


class TestReplay:
    async def test_lost_response_retry_answers_the_same_attachment(self, phone: Phone, session: AsyncSession) -> None:
        report_id = await phone.report()
        data = images.jpeg()
        first = await phone.upload(report_id, data, client_id="uuid:p1")
        retry = await phone.upload(report_id, data, client_id="uuid:p1")
        assert (first.status_code, retry.status_code) == (201, 200)
        assert retry.json()["id"] == first.json()["id"]
        assert await count_rows(session) == (1, 1)

    async def test_client_id_reused_for_other_bytes_is_409_and_stores_nothing(
        self, phone: Phone, session: AsyncSession, settings: Settings
    ) -> None:
        report_id = await phone.report()
        assert (await phone.upload(report_id, images.jpeg(seed=1), client_id="uuid:p1")).status_code == 201
        files = media_files(settings)
        r = await phone.upload(report_id, images.jpeg(seed=2), client_id="uuid:p1")
        assert_problem(r, 409, "client_id")
        assert await count_rows(session) == (1, 1)
        assert media_files(settings) == files

    async def test_photo_before_report_retry_then_report_retry_keeps_it(self, phone: Phone) -> None:
        """Offline order: the report went through but its answer was lost; photos follow; the report is retried."""
        report_id = await phone.report()
        assert (await phone.upload(report_id, images.jpeg(), client_id="uuid:p1")).status_code == 201
        assert await phone.report(expect=200) == report_id  # the same client_id answers the same report
        listed = (await phone.get(f"/reports/{report_id}/attachments")).json()
        assert [a["client_id"] for a in listed["items"]] == ["uuid:p1"]

    async def test_blob_rows_carry_the_sniffed_type(self, phone: Phone, session: AsyncSession) -> None:
        report_id = await phone.report()
        await phone.upload(report_id, images.webp(), filename="x.jpg")
        blob = (await session.execute(select(MediaBlob))).scalar_one()
        assert (blob.content_type, blob.served_type, blob.thumbnail_type) == ("image/webp", "image/webp", "image/jpeg")


class TestUploadRouteLimit:
    def test_the_route_limit_covers_a_full_size_file_and_its_envelope(self, settings: Settings) -> None:
        assert upload_body_limit(settings) == settings.max_upload_bytes + 64 * 1024
        assert UPLOAD_PATH.match("/api/v1/reports/42/attachments")
        assert not UPLOAD_PATH.match("/api/v1/reports/42/attachments/7")
        assert not UPLOAD_PATH.match("/api/v1/reports")
