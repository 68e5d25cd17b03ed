"""A report declares how many photos are coming; the list says which are still missing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.media.queries import attachment_summary
from tests.media import images
from tests.media.conftest import Phone, assert_problem


class TestExpectedAttachments:
    async def test_count_received_and_missing(self, phone: Phone, session: AsyncSession) -> None:
        report_id = await phone.report()
        r = await phone.client.put(
            f"/api/v1/reports/{report_id}/expected-attachments", json={"count": 3}, headers=phone.world["worker_a"]
        )
        assert r.status_code == 200, r.text
        assert r.json() == {"expected": 3, "received": 0, "missing": 3, "missing_client_ids": []}
        await phone.upload(report_id, images.jpeg(seed=1))
        await phone.upload(report_id, images.jpeg(seed=1))  # a retry does not count twice
        await phone.upload(report_id, images.jpeg(seed=2), who="town_a", role="result")  # not a report photo
        listed = (await phone.get(f"/reports/{report_id}/attachments")).json()
        assert (listed["expected"], listed["received"], listed["missing"]) == (3, 1, 2)
        assert len(listed["items"]) == 2
        summary = await attachment_summary(session, int(report_id))
        assert (summary.expected, summary.received, summary.missing) == (3, 1, 2)

    async def test_client_ids_name_the_missing_ones(self, phone: Phone) -> None:
        report_id = await phone.report()
        ids = ["uuid:a", "uuid:b", "uuid:c"]
        r = await phone.client.put(
            f"/api/v1/reports/{report_id}/expected-attachments",
            json={"client_ids": ids},
            headers=phone.world["worker_a"],
        )
        assert r.json()["missing_client_ids"] == ids
        await phone.upload(report_id, images.jpeg(seed=1), client_id="uuid:b")
        listed = (await phone.get(f"/reports/{report_id}/attachments")).json()
        assert (listed["expected"], listed["received"], listed["missing"]) == (3, 1, 2)
        assert listed["missing_client_ids"] == ["uuid:a", "uuid:c"]

    async def test_declaring_again_replaces_and_is_replay_safe(self, phone: Phone) -> None:
        report_id = await phone.report()
        url = f"/api/v1/reports/{report_id}/expected-attachments"
        for count in (2, 2, 1):
            r = await phone.client.put(url, json={"count": count}, headers=phone.world["worker_a"])
            assert r.status_code == 200
        assert r.json()["expected"] == 1

    async def test_nothing_declared(self, phone: Phone) -> None:
        report_id = await phone.report()
        await phone.upload(report_id, images.jpeg())
        listed = (await phone.get(f"/reports/{report_id}/attachments")).json()
        assert (listed["expected"], listed["received"], listed["missing"]) == (None, 1, 0)

    async def test_only_the_submitter_declares(self, phone: Phone) -> None:
        report_id = await phone.report()
        url = f"/api/v1/reports/{report_id}/expected-attachments"
        assert (await phone.client.put(url, json={"count": 1}, headers=phone.world["town_a"])).status_code == 403
        assert (await phone.client.put(url, json={"count": 1}, headers=phone.world["town_b"])).status_code == 404

    async def test_bad_declarations_name_the_field(self, phone: Phone) -> None:
        report_id = await phone.report()
        url = f"/api/v1/reports/{report_id}/expected-attachments"
        headers = phone.world["worker_a"]
        assert_problem(await phone.client.put(url, json={"count": -1}, headers=headers), 422, "count")
        assert_problem(await phone.client.put(url, json={"count": 101}, headers=headers), 422, "count")
        r = await phone.client.put(url, json={"count": 2, "client_ids": ["x"]}, headers=headers)
        assert r.status_code == 422
        r = await phone.client.put(url, json={}, headers=headers)
        assert r.status_code == 422
