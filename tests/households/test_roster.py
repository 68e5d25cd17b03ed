"""The household roster: import all or nothing, masking, tags by clearance, audited reveals, export."""

from __future__ import annotations

import io

import httpx
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Grid, Household, HouseholdAudit
from tests.households.roster import GRID_A, Row, as_csv, as_xlsx, rows, upload
from tests.worlds import World

URL = "/api/v1/households"


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Household)) or 0)


def with_tag(tag: str, upto: int = 1) -> object:
    def tweak(i: int, row: Row) -> Row:
        if i < upto:
            row[5] = tag
        return row

    return tweak


class TestImport:
    async def test_a_good_csv_imports_every_row_and_sets_the_grids_count(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        response = await upload(client, world["town_a"], as_csv(rows(320)))
        assert response.status_code == 200, response.text
        assert response.json() == {"imported": 320, "errors": []}
        assert await count(session) == 320
        grid = await session.scalar(select(Grid).where(Grid.code == GRID_A))
        assert grid is not None and grid.households == 320

    async def test_an_xlsx_with_english_headers_imports_and_a_second_import_updates(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        english = ["grid_code", "address", "head_name", "phone", "members", "tags", "lat", "lon", "crs"]
        first = await upload(client, world["town_a"], as_xlsx(rows(300), english), "roster.xlsx")
        assert first.status_code == 200, first.text
        again = await upload(client, world["town_a"], as_xlsx(rows(300, with_tag("独居老人；残疾人", 2))), "r.xlsx")
        assert again.json() == {"imported": 300, "errors": []}
        assert await count(session) == 300
        listed = await client.get(URL, params={"tag": "elderly_alone"}, headers=world["town_a"])
        assert [h["tags"] for h in listed.json()["items"]] == [["disability", "elderly_alone"]] * 2

    async def test_one_bad_row_writes_nothing_and_each_problem_names_row_and_column(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        def tweak(i: int, row: Row) -> Row:
            if i == 4:
                row[4] = "many"
            if i == 9:
                row[0] = "320602100201999"
            if i == 11:
                row[5] = "无此标签"
            return row

        response = await upload(client, world["town_a"], as_csv(rows(300, tweak)))
        assert response.status_code == 422
        body = response.json()
        assert body["imported"] == 0 and body["field"] == "file"
        assert body["errors"] == [
            {"row": 6, "column": "人数", "message": "a whole number from 1 to 99"},
            {"row": 11, "column": "网格编码", "message": "no such grid in this town"},
            {"row": 13, "column": "标签", "message": "unknown tag '无此标签'"},
        ]
        assert await count(session) == 0

    async def test_a_grid_outside_300_to_500_households_is_refused(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        response = await upload(client, world["town_a"], as_csv(rows(120)))
        assert response.status_code == 422
        [problem] = response.json()["errors"]
        assert problem["row"] is None and "would hold 120 households" in problem["message"]
        assert await count(session) == 0

    async def test_a_duplicate_address_and_a_file_that_is_no_spreadsheet_are_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        body = rows(300)
        body[7][1] = body[3][1]
        duplicate = await upload(client, world["town_a"], as_csv(body))
        assert duplicate.json()["errors"] == [{"row": 9, "column": "门牌地址", "message": "the same address as row 5"}]
        junk = await upload(client, world["town_a"], b"PK\x03\x04garbage", "roster.xlsx")
        assert junk.status_code == 422 and junk.json()["field"] == "file"

    async def test_only_an_operator_over_the_town_imports(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await upload(client, world["town_b"], as_csv(rows(300)))).status_code == 404
        assert (await upload(client, world["worker_a"], as_csv(rows(300)))).status_code == 404
        assert (await upload(client, world["county_a"], as_csv(rows(300)))).status_code == 200


class TestVisibility:
    async def test_names_and_phones_are_masked_and_a_reveal_is_audited(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await upload(client, world["town_a"], as_csv(rows(300)))
        page = (await client.get(URL, params={"grid_code": GRID_A, "limit": 2}, headers=world["town_a"])).json()
        first = page["items"][0]
        assert (first["head_name"], first["phone"], first["address"]) == ("张**", "138****0000", "幸福村1号")
        assert first["location"] == {"lat": 32.005, "lon": 120.905, "crs": "wgs84", "accuracy_m": None}
        assert page["next_cursor"] is not None
        assert (await client.get(f"{URL}/{first['id']}", headers=world["town_b"])).status_code == 404
        assert (await client.post(f"{URL}/{first['id']}/contact", headers=world["town_b"])).status_code == 404
        revealed = await client.post(f"{URL}/{first['id']}/contact", headers=world["town_a"])
        assert revealed.json() == {"id": first["id"], "head_name": "张0伟", "phone": "13800000000"}
        audit = (await client.get(f"{URL}/{first['id']}/audit", headers=world["county_a"])).json()
        assert [(e["actor"], e["action"]) for e in audit] == [("town_a", "reveal_contact")]
        assert await session.scalar(select(func.count()).select_from(HouseholdAudit)) == 1

    async def test_sensitive_tags_are_seen_and_filtered_only_with_clearance(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        refused = await upload(client, world["town_a"], as_csv(rows(300, with_tag("严重精神障碍"))))
        assert refused.json()["errors"][0]["message"] == "unknown tag '严重精神障碍'"
        done = await upload(client, world["cleared_town_a"], as_csv(rows(300, with_tag("mental_disorder,独居老人"))))
        assert done.status_code == 200, done.text
        cleared = await client.get(URL, params={"tag": "mental_disorder"}, headers=world["cleared_town_a"])
        [household] = cleared.json()["items"]
        assert household["tags"] == ["elderly_alone", "mental_disorder"]
        plain = await client.get(f"{URL}/{household['id']}", headers=world["town_a"])
        assert plain.json()["tags"] == ["elderly_alone"]
        filtered = await client.get(URL, params={"tag": "mental_disorder"}, headers=world["town_a"])
        assert filtered.status_code == 422 and filtered.json()["field"] == "tag"
        tags = await client.get("/api/v1/household-tags", headers=world["town_a"])
        assert [t["code"] for t in tags.json()] == ["disability", "elderly_alone", "left_behind_child"]
        again = await upload(client, world["town_a"], as_csv(rows(300, with_tag("独居老人"))))
        assert again.status_code == 200  # an uncleared import leaves the sensitive tag in place
        kept = await client.get(f"{URL}/{household['id']}", headers=world["cleared_town_a"])
        assert kept.json()["tags"] == ["elderly_alone", "mental_disorder"]

    async def test_a_worker_sees_the_own_grid_only(self, client: httpx.AsyncClient, world: World) -> None:
        await upload(client, world["town_a"], as_csv(rows(300)))
        own = await client.get(URL, params={"limit": 500}, headers=world["worker_a"])
        assert len(own.json()["items"]) == 300
        other = await client.get(URL, headers=world["worker_b"])
        assert other.json()["items"] == []


class TestExport:
    async def test_the_export_reads_back_with_the_import_columns(self, client: httpx.AsyncClient, world: World) -> None:
        await upload(client, world["town_a"], as_csv(rows(300, with_tag("独居老人"))))
        xlsx = await client.get(f"{URL}/export", params={"region_code": "320602100000"}, headers=world["admin"])
        assert xlsx.status_code == 200
        sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        assert values[0] == ("网格编码", "门牌地址", "户主", "电话", "人数", "标签", "纬度", "经度", "坐标系")
        assert values[1] == (GRID_A, "幸福村1号", "张0伟", "13800000000", 3, "独居老人", 32.005, 120.905, "wgs84")
        assert len(values) == 301
        masked = await client.get(f"{URL}/export", params={"region_code": "320602100000", "format": "csv"},
                                  headers=world["town_a"])  # fmt: skip
        assert masked.text.splitlines()[1].startswith(f"{GRID_A},幸福村1号,张**,138****0000,3,独居老人")
        beyond = await client.get(f"{URL}/export", params={"region_code": "320602100000"}, headers=world["town_b"])
        assert beyond.status_code == 404
