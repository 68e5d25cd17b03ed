"""Attachments are scoped like their report; result and verify photos come from those who act."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.media import images
from tests.media.conftest import Phone, assert_problem, count_rows


class TestScope:
    async def test_outsiders_cannot_upload(self, phone: Phone, session: AsyncSession) -> None:
        report_id = await phone.report()
        for who in ("town_b", "worker_b"):
            r = await phone.upload(report_id, images.jpeg(), who=who)
            assert r.status_code == 404, r.text
        assert await count_rows(session) == (0, 0)

    async def test_outsiders_cannot_see(self, phone: Phone) -> None:
        report_id = await phone.report()
        attachment_id = (await phone.upload(report_id, images.jpeg())).json()["id"]
        for path in (
            f"/attachments/{attachment_id}",
            f"/attachments/{attachment_id}/thumbnail",
            f"/reports/{report_id}/attachments",
        ):
            assert (await phone.get(path, who="town_b")).status_code == 404, path
            assert (await phone.get(path, who="town_a")).status_code == 200, path
            assert (await phone.get(path, who="county_a")).status_code == 200, path

    async def test_unknown_attachment_is_404(self, phone: Phone) -> None:
        assert (await phone.get("/attachments/999999")).status_code == 404
        assert (await phone.get("/attachments/not-a-number")).status_code == 404

    async def test_unauthenticated_is_401(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.client.post(
            f"/api/v1/reports/{report_id}/attachments", files={"file": ("a.jpg", images.jpeg(), "image/jpeg")}
        )
        assert r.status_code == 401


class TestResultAndVerifyPhotos:
    async def test_current_centre_and_grid_worker_may_add_them(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.jpeg(seed=7), who="town_a", role="result")
        assert r.status_code == 201, r.text
        r = await phone.upload(report_id, images.jpeg(seed=8), who="worker_a", role="verify")
        assert r.status_code == 201, r.text

    async def test_others_who_see_the_case_may_not(self, phone: Phone, session: AsyncSession) -> None:
        report_id = await phone.report()
        for who in ("county_a", "admin"):
            r = await phone.upload(report_id, images.jpeg(), who=who, role="verify")
            assert_problem(r, 403, "role")
        assert await count_rows(session) == (0, 0)

    async def test_anyone_who_sees_it_may_add_report_photos(self, phone: Phone) -> None:
        report_id = await phone.report()
        r = await phone.upload(report_id, images.jpeg(), who="county_a")
        assert r.status_code == 201, r.text
